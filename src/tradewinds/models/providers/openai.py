"""Any OpenAI-compatible endpoint (chat and embeddings): DashScope (Qwen), vLLM, Ollama, llama.cpp server, OpenAI.

One adapter for the wire format (``POST {base_url}/chat/completions``); the vendor is only a
base URL and a key. JSON-schema constrained decoding is sent as
``response_format={"type": "json_schema", ...}``, JSON mode as ``{"type": "json_object"}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import numpy as np

from ...errors import ConfigError
from ..chat import ChatModel, ChatRequest, ChatResponse, Message, ProviderError, ToolCall, Usage
from ..embeddings import Embedder


class OpenAICompatibleChatModel(ChatModel):
    provider = "openai"
    supports_json_schema = True
    supports_json_mode = True
    supports_tools = True
    supports_streaming = True

    def __init__(self, model: str, *, base_url: str, api_key: str | None = None, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(model)
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base URL {base_url!r} is not http(s)", hint="set TRADEWINDS_OPENAI_BASE_URL, e.g. http://127.0.0.1:8080/v1")
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, transport=transport)

    def complete(self, request: ChatRequest) -> ChatResponse:
        started = time.perf_counter()
        with self._transport_errors(request):
            r = self._client.post("/chat/completions", json=chat_body(self.model, request), timeout=request.options.timeout_s)
        self._check(r)
        try:
            data = r.json()
        except ValueError:
            data = None
        return parse_chat_completion(data, model_id=self.model_id, started=started, source=self.base_url, raw=r.text)

    def stream(self, request: ChatRequest) -> Iterator[str]:
        """Text deltas of ``"stream": true`` (Server-Sent Events, one JSON chunk per ``data:`` line, then ``[DONE]``)."""
        body = {**chat_body(self.model, request), "stream": True}
        with self._transport_errors(request), self._client.stream("POST", "/chat/completions", json=body,
                                                                 timeout=request.options.timeout_s) as r:
            if r.status_code >= 400:
                r.read()
                self._check(r)
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    return
                try:
                    delta = json.loads(payload)["choices"][0].get("delta") or {}
                except (ValueError, KeyError, IndexError, TypeError) as exc:
                    raise ProviderError(f"{self.base_url} streamed something that is not a chat chunk: {payload[:200]}") from exc
                if delta.get("content"):
                    yield delta["content"]

    @contextmanager
    def _transport_errors(self, request: ChatRequest):
        try:
            yield
        except httpx.TimeoutException as exc:
            raise ProviderError(f"{self.base_url} did not answer within {request.options.timeout_s:g} s", retryable=True,
                                hint="raise the timeout or use a faster model for this task") from exc
        except httpx.TransportError as exc:
            raise ProviderError(f"cannot reach {self.base_url}: {exc}", retryable=True,
                                hint="start the model server or fix TRADEWINDS_OPENAI_BASE_URL") from exc

    def _check(self, r: httpx.Response) -> None:
        if r.status_code in (401, 403):
            raise ConfigError(f"{self.base_url} refused the API key (HTTP {r.status_code})", hint="set TRADEWINDS_OPENAI_API_KEY")
        if r.status_code == 404:
            raise ConfigError(f"{self.base_url} has no model {self.model!r} or no /chat/completions (HTTP 404)",
                              hint="check the model name and that the base URL ends in /v1")
        if r.status_code == 429 or r.status_code >= 500:
            raise ProviderError(f"{self.base_url} answered HTTP {r.status_code}: {r.text[:200]}", retryable=True, status=r.status_code)
        if r.status_code >= 400:
            raise ProviderError(f"{self.base_url} rejected the request (HTTP {r.status_code}): {r.text[:300]}", status=r.status_code)


def chat_body(model: str, request: ChatRequest) -> dict:
    """The OpenAI chat-completions request body for a ChatRequest (shared with the local runtime)."""
    o = request.options
    body: dict = {"model": model, "messages": [_wire_message(m) for m in request.messages],
                  "temperature": o.temperature, "max_tokens": o.max_tokens}
    if request.tools:
        body["tools"] = [{"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
                         for t in request.tools]
        body["tool_choice"] = request.tool_choice
    if o.seed is not None:
        body["seed"] = o.seed
    if request.json_schema is not None:
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": request.schema_name, "schema": request.json_schema}}
    elif request.json_mode:
        body["response_format"] = {"type": "json_object"}
    return body


def _wire_message(m: Message) -> dict:
    out: dict = {"role": m.role, "content": m.content}
    if m.tool_calls:
        out["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                             for c in m.tool_calls]
    if m.tool_call_id:
        out["tool_call_id"] = m.tool_call_id
    return out


def _tool_calls(message: dict, source: str) -> list[ToolCall]:
    calls = []
    for c in message.get("tool_calls") or []:
        fn = c.get("function") or {}
        try:
            arguments = json.loads(fn.get("arguments") or "{}")
        except ValueError as exc:
            raise ProviderError(f"{source}: tool call {fn.get('name')!r} has arguments that are not JSON: "
                                f"{str(fn.get('arguments'))[:200]}") from exc
        if not isinstance(arguments, dict):
            raise ProviderError(f"{source}: tool call {fn.get('name')!r} has arguments that are not a JSON object")
        calls.append(ToolCall(id=str(c.get("id") or f"call_{len(calls)}"), name=str(fn.get("name") or ""), arguments=arguments))
    return calls


def parse_chat_completion(data: Any, *, model_id: str, started: float, source: str, raw: str = "") -> ChatResponse:
    try:
        choice = data["choices"][0]
        usage = data.get("usage") or {}
        return ChatResponse(text=choice["message"].get("content") or "", finish_reason=choice.get("finish_reason") or "stop",
                            tool_calls=_tool_calls(choice["message"], source),
                            usage=Usage(prompt_tokens=usage.get("prompt_tokens", 0), completion_tokens=usage.get("completion_tokens", 0)),
                            model_id=model_id, latency_ms=(time.perf_counter() - started) * 1000,
                            timings={k: float(v) for k, v in (data.get("timings") or {}).items() if isinstance(v, int | float)} or None)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ProviderError(f"{source} answered something that is not an OpenAI chat completion: {(raw or str(data))[:200]}") from exc


class OpenAIEmbedder(Embedder):
    """``POST {base_url}/embeddings`` in batches; the dimension is learnt from the first reply."""

    def __init__(self, model: str, *, base_url: str, api_key: str | None = None, batch_size: int = 64,
                 timeout_s: float = 60.0, transport: httpx.BaseTransport | None = None) -> None:
        self.model = model
        self.model_id = f"openai:{model}"
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self._dim: int | None = None
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, transport=transport)

    @property
    def dim(self) -> int:  # type: ignore[override]
        if self._dim is None:
            self.embed(["dimension probe"], kind="query")
        return self._dim  # type: ignore[return-value]

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        texts = list(texts)
        parts = [self._batch(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        if not parts:
            return np.zeros((0, self._dim or 0), np.float32)
        out = np.concatenate(parts)
        self._dim = out.shape[1]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def _batch(self, texts: list[str]) -> np.ndarray:
        try:
            r = self._client.post("/embeddings", json={"model": self.model, "input": texts}, timeout=self.timeout_s)
        except httpx.TransportError as exc:
            raise ProviderError(f"cannot reach {self.base_url}: {exc}", retryable=True,
                                hint="start the embedding server or fix TRADEWINDS_OPENAI_BASE_URL") from exc
        if r.status_code in (401, 403):
            raise ConfigError(f"{self.base_url} refused the API key (HTTP {r.status_code})", hint="set TRADEWINDS_OPENAI_API_KEY")
        if r.status_code >= 400:
            raise ProviderError(f"{self.base_url}/embeddings answered HTTP {r.status_code}: {r.text[:200]}",
                                retryable=r.status_code == 429 or r.status_code >= 500, status=r.status_code)
        try:
            rows = sorted(r.json()["data"], key=lambda d: d["index"])
            vectors = np.asarray([d["embedding"] for d in rows], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(f"{self.base_url} answered something that is not an OpenAI embeddings reply: {r.text[:200]}") from exc
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ProviderError(f"{self.base_url} returned {len(vectors)} embeddings for {len(texts)} texts")
        return vectors
