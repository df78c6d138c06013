"""A scripted chat model for tests: shipped in the package so users can test their own pipelines.

    model = FakeChatModel(['{"x": 1}'])                 # replies in order
    model = FakeChatModel(lambda req: '{"x": 1}')       # or a function of the request
    model.requests                                       # every ChatRequest it received
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..chat import ChatModel, ChatRequest, ChatResponse, Usage

Reply = str | ChatResponse


class FakeChatModel(ChatModel):
    provider = "fake"
    supports_json_schema = True
    supports_json_mode = True

    def __init__(self, replies: Iterable[Reply] | Callable[[ChatRequest], Reply] = (), *, model: str = "scripted") -> None:
        super().__init__(model)
        self._fn = replies if callable(replies) else None
        self._queue = [] if callable(replies) else list(replies)
        self.requests: list[ChatRequest] = []

    def complete(self, request: ChatRequest) -> ChatResponse:
        self.requests.append(request)
        if self._fn is not None:
            reply = self._fn(request)
        elif self._queue:
            reply = self._queue.pop(0)
        else:
            raise AssertionError(f"FakeChatModel ran out of scripted replies after {len(self.requests) - 1} request(s)")
        if isinstance(reply, ChatResponse):
            return reply
        words = sum(len(m.content.split()) for m in request.messages)
        return ChatResponse(text=reply, model_id=self.model_id, usage=Usage(prompt_tokens=words, completion_tokens=len(reply.split())))
