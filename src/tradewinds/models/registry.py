"""Model ids ``provider:model`` -> chat model instances, wired from settings. Providers register in
:data:`PROVIDERS` (or through the ``tradewinds.chat_providers`` entry-point group): a function of (model, settings)."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ConfigError
from ..plugins import Registry
from ..settings import Settings
from .chat import ChatModel

PROVIDERS: Registry[Callable[[str, Settings], ChatModel]] = Registry("model provider", "tradewinds.chat_providers")


@PROVIDERS.register("fake")
def _fake(model: str, settings: Settings) -> ChatModel:
    from .providers.fake import FakeChatModel

    return FakeChatModel(model=model)


@PROVIDERS.register("local")
def _local(model: str, settings: Settings) -> ChatModel:
    from .providers.local import LocalChatModel
    from .weights import weights_for

    weights_for(model)  # unknown names fail here, before anything loads
    return LocalChatModel(model, data_dir=settings.data_dir, threads=settings.local_threads, context=settings.local_context)


@PROVIDERS.register("openai")
def _openai(model: str, settings: Settings) -> ChatModel:
    from .providers.openai import OpenAICompatibleChatModel

    if not settings.openai_base_url:
        raise ConfigError(f"'openai:{model}' needs an OpenAI-compatible endpoint",
                          hint="set TRADEWINDS_OPENAI_BASE_URL (e.g. https://dashscope.aliyuncs.com/compatible-mode/v1) "
                               "and TRADEWINDS_OPENAI_API_KEY")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAICompatibleChatModel(model, base_url=settings.openai_base_url, api_key=key)


def get_chat_model(model_id: str, settings: Settings) -> ChatModel:
    provider, sep, model = model_id.partition(":")
    if not sep or not model:
        raise ConfigError(f"model id {model_id!r} is not provider:model", hint="e.g. local:qwen2.5-0.5b, openai:qwen-plus or fake:scripted")
    try:
        build = PROVIDERS.get(provider)
    except ConfigError:
        raise ConfigError(f"unknown model provider {provider!r} in {model_id!r}",
                          hint=f"providers: {', '.join(PROVIDERS.names())}") from None
    return build(model, settings)
