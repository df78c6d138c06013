"""Contract tests for chat-model providers, shipped so a new provider can prove itself.

``ChatModelContract`` holds for every provider, real or fake (subclass it with a ``model``
fixture). ``ScriptedChatModelContract`` adds the re-ask and give-up paths, which need a provider
whose replies a test can script (``self.replies``, served by ``self.script``).
"""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from .chat import ChatModel, ChatOptions, ChatRequest, ChatResponse, Message, Usage
from .structured import StructuredOutputError, ask


class Product(BaseModel):
    name: str = Field(min_length=1, max_length=40, description="the product, in a few words")
    quantity: int = Field(ge=1, description="how many units")


EXTRACT = [Message(role="user", content="Extract the product and quantity as JSON: we need 500 ceramic mugs.")]


def emulate(request: ChatRequest, model_id: str = "fake:scripted") -> ChatResponse:
    """What a well-behaved model would answer to the contract's prompts: lets fakes run the contract."""
    if request.options.max_tokens < 8:
        return ChatResponse(text='{"name": "cer', finish_reason="length", model_id=model_id,
                            usage=Usage(prompt_tokens=20, completion_tokens=request.options.max_tokens))
    text = json.dumps({"name": "ceramic mugs", "quantity": 500}) if request.json_schema or request.json_mode else "hello"
    return ChatResponse(text=text, model_id=model_id, usage=Usage(prompt_tokens=20, completion_tokens=len(text.split())))


class ChatModelContract:
    def test_complete_returns_text_and_usage(self, model: ChatModel):
        r = model.complete(ChatRequest(messages=[Message(role="user", content="Reply with one word: hello")],
                                       options=ChatOptions(max_tokens=16)))
        assert r.text.strip() and r.model_id == model.model_id
        assert r.finish_reason in ("stop", "length") and r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0

    def test_max_tokens_cutoff_reports_length(self, model: ChatModel):
        r = model.complete(ChatRequest(messages=[Message(role="user", content="Count from 1 to 100, separated by spaces.")],
                                       options=ChatOptions(max_tokens=4)))
        assert r.finish_reason == "length" and 0 < r.usage.completion_tokens <= 4

    def test_structured_output_is_schema_valid(self, model: ChatModel):
        result, usage = ask(model, EXTRACT, Product, options=ChatOptions(max_tokens=64))
        assert isinstance(result, Product) and usage.completion_tokens > 0

    def test_cut_off_structured_output_is_an_error_not_a_result(self, model: ChatModel):
        with pytest.raises(StructuredOutputError, match="cut off") as e:
            ask(model, EXTRACT, Product, options=ChatOptions(max_tokens=4), max_retries=1)
        assert e.value.attempts == 2 and e.value.usage.completion_tokens > 0


class ScriptedChatModelContract(ChatModelContract):
    replies: list[str] | None = None

    def script(self, request: ChatRequest) -> ChatResponse:
        if self.replies is None:
            return emulate(request)
        return ChatResponse(text=self.replies.pop(0), model_id="fake:scripted", usage=Usage(prompt_tokens=5, completion_tokens=5))

    def test_invalid_then_valid_reasks_with_the_error(self, model: ChatModel):
        self.replies = ['{"name": "mug", "quantity": 0}', '{"name": "mug", "quantity": 5}']
        result, usage = ask(model, [Message(role="user", content="5 mugs")], Product)
        assert result.quantity == 5 and usage.completion_tokens == 10

    def test_gives_up_with_attempts_and_raw_output(self, model: ChatModel):
        self.replies = ["not json"] * 3
        with pytest.raises(StructuredOutputError) as e:
            ask(model, [Message(role="user", content="?")], Product, max_retries=2)
        assert e.value.attempts == 3 and e.value.raw == "not json"
