"""Model ids ``provider:model`` -> chat model instances, wired from settings."""

from __future__ import annotations

from ..errors import ConfigError
from ..settings import Settings
from .chat import ChatModel


def get_chat_model(model_id: str, settings: Settings) -> ChatModel:
    provider, sep, model = model_id.partition(":")
    if not sep or not model:
        raise ConfigError(f"model id {model_id!r} is not provider:model", hint="e.g. local:qwen2.5-0.5b, openai:qwen-plus or fake:scripted")
    if provider == "fake":
        from .providers.fake import FakeChatModel

        return FakeChatModel(model=model)
    if provider == "local":
        from .providers.local import LocalChatModel
        from .weights import weights_for

        weights_for(model)  # unknown names fail here, before anything loads
        return LocalChatModel(model, data_dir=settings.data_dir, threads=settings.local_threads, context=settings.local_context)
    if provider == "openai":
        from .providers.openai import OpenAICompatibleChatModel

        if not settings.openai_base_url:
            raise ConfigError(f"{model_id!r} needs an OpenAI-compatible endpoint",
                              hint="set TRADEWINDS_OPENAI_BASE_URL (e.g. https://dashscope.aliyuncs.com/compatible-mode/v1) "
                                   "and TRADEWINDS_OPENAI_API_KEY")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAICompatibleChatModel(model, base_url=settings.openai_base_url, api_key=key)
    raise ConfigError(f"unknown model provider {provider!r} in {model_id!r}", hint="providers: local, openai, fake")
