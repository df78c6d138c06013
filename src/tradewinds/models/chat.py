"""The chat-model interface: one abstract method, capabilities as class attributes.

Model ids are ``provider:model`` (``fake:scripted``, ``openai:qwen-plus``). Providers
implement :meth:`ChatModel.complete`; structured output lives in :mod:`.structured`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import TradewindsError


class ToolSpec(BaseModel):
    """A tool the model may call: its name, what it does, and its arguments as a JSON schema (a Pydantic model's)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    description: str = Field("", max_length=1000)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: list[ToolCall] = Field(default_factory=list, description="assistant: the calls it made")
    tool_call_id: str | None = Field(None, description="tool: the call this message answers")


class ChatOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(512, ge=1, le=32_768)
    timeout_s: float = Field(60.0, gt=0)
    seed: int | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[Message]
    options: ChatOptions = Field(default_factory=ChatOptions)
    json_schema: dict[str, Any] | None = Field(None, description="Constrain the reply to this JSON schema")
    schema_name: str = "reply"
    json_mode: bool = Field(False, description="Ask for any JSON object (when schemas are unsupported)")
    tools: list[ToolSpec] = Field(default_factory=list, description="Tools the model may call instead of answering")
    tool_choice: Literal["auto", "required", "none"] = "auto"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                     completion_tokens=self.completion_tokens + other.completion_tokens)


class ChatResponse(BaseModel):
    text: str
    finish_reason: str = "stop"
    usage: Usage = Field(default_factory=Usage)
    model_id: str
    latency_ms: float = 0.0
    timings: dict[str, float] | None = Field(None, description="Runtime-reported speed when available (llama.cpp: prompt_per_second, predicted_per_second)")
    tool_calls: list[ToolCall] = Field(default_factory=list, description="The tools the model asked to call (finish_reason 'tool_calls')")


class ModelError(TradewindsError):
    code = "model_error"


class ProviderError(ModelError):
    """The provider failed (network, 429, 5xx, timeout); ``retryable`` says whether to try again."""

    code = "provider_error"

    def __init__(self, message: str, *, hint: str | None = None, retryable: bool = False, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable
        self.status = status


class ChatModel(ABC):
    """A chat model. Subclasses set the capability flags and implement ``complete``."""

    provider: ClassVar[str]
    supports_json_schema: ClassVar[bool] = False
    supports_json_mode: ClassVar[bool] = False
    supports_tools: ClassVar[bool] = False  # native tools / tool_calls; without it the gateway offers them under a JSON schema
    supports_streaming: ClassVar[bool] = False

    def __init__(self, model: str) -> None:
        self.model = model

    @property
    def model_id(self) -> str:
        return f"{self.provider}:{self.model}"

    @abstractmethod
    def complete(self, request: ChatRequest) -> ChatResponse:
        """Send the request; raise ProviderError on transport or provider failure."""

    def stream(self, request: ChatRequest) -> Iterator[str]:
        """The reply's text as it is generated; models that cannot stream give it in one piece."""
        yield self.complete(request).text

