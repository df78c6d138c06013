"""Contract tests every chat-model provider must pass. Subclass with a ``model`` fixture that
returns a provider whose replies come from ``self.script`` (a function of the ChatRequest)."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from .chat import ChatModel, ChatRequest, Message
from .structured import StructuredOutputError, ask


class Product(BaseModel):
    name: str = Field(max_length=40)
    quantity: int = Field(ge=1)


class ChatModelContract:
    replies: list[str]

    def script(self, request: ChatRequest) -> str:
        return self.replies.pop(0)

    def test_complete_returns_text_and_usage(self, model: ChatModel):
        self.replies = ["hello"]
        r = model.complete(ChatRequest(messages=[Message(role="user", content="say hello")]))
        assert r.text == "hello" and r.model_id == model.model_id and r.finish_reason == "stop"

    def test_structured_output_validates(self, model: ChatModel):
        self.replies = [json.dumps({"name": "mug", "quantity": 500})]
        result, usage = ask(model, [Message(role="user", content="500 mugs")], Product)
        assert result == Product(name="mug", quantity=500)

    def test_invalid_then_valid_reasks_with_the_error(self, model: ChatModel):
        self.replies = ['{"name": "mug", "quantity": 0}', '{"name": "mug", "quantity": 5}']
        result, _ = ask(model, [Message(role="user", content="5 mugs")], Product)
        assert result.quantity == 5

    def test_gives_up_with_attempts_and_raw_output(self, model: ChatModel):
        self.replies = ["not json"] * 3
        with pytest.raises(StructuredOutputError) as e:
            ask(model, [Message(role="user", content="?")], Product, max_retries=2)
        assert e.value.attempts == 3 and e.value.raw == "not json"
