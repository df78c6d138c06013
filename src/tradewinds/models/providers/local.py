"""The embedded model: llama.cpp in-process through ``xllamacpp``, weights from pip packages.

``local:qwen2.5-0.5b`` is the default (Qwen2.5-Coder-0.5B-Instruct Q4_K_M, ~610 MB RSS). The
runtime speaks the OpenAI request format, so requests are built by the same ``chat_body`` as
the HTTP provider and JSON schemas become a llama.cpp grammar (constrained decoding).

One runtime per (weights, threads, context) is shared by the process and runs one request at a
time: on a small CPU box parallel slots only slow every request down. The runtime also listens
on 127.0.0.1 (an OpenAI-compatible endpoint, ``endpoint()``) behind a random API key.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

from ...errors import ConfigError
from ..chat import ChatModel, ChatRequest, ChatResponse, ModelError, ProviderError
from ..weights import ensure_gguf
from .openai import chat_body, parse_chat_completion


def default_threads() -> int:
    """1 on <= 2 cores (2 threads on a busy 2-core box collapse generation ~10x), else half the cores, at most 8."""
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(cores // 2, 8)


class _Runtime:
    def __init__(self, path: Path, threads: int, context: int) -> None:
        _check_memory(path)
        try:
            import xllamacpp
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise ConfigError("the local model runtime xllamacpp is not installed", hint="pip install -e . (it is a core dependency)") from exc
        p = xllamacpp.CommonParams()
        p.model.path = str(path)
        p.n_ctx = context
        p.n_parallel = 1
        p.cpuparams.n_threads = threads
        p.cpuparams_batch.n_threads = threads
        p.verbosity = -1
        p.warmup = False
        self.api_key = secrets.token_urlsafe(24)
        p.api_keys = [self.api_key]
        try:
            self.server = xllamacpp.Server(p)
        except (RuntimeError, MemoryError, ValueError) as exc:
            raise ModelError(f"llama.cpp could not load {path.name}: {exc}",
                             hint="free memory, lower TRADEWINDS_LOCAL_CONTEXT, or delete the file to re-assemble it") from exc
        self.lock = threading.Lock()


_RUNTIMES: dict[tuple[Path, int, int], _Runtime] = {}
_RUNTIMES_LOCK = threading.Lock()


def available_memory() -> int | None:
    """Bytes the kernel says a new allocation can get (MemAvailable), or None off Linux."""
    try:
        meminfo = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) * 1024 for line in meminfo.splitlines() if line.startswith("MemAvailable:")), None)


def _check_memory(path: Path) -> None:
    need = path.stat().st_size * 1.25 + 150 * 2**20
    available = available_memory()
    if available is not None and available < need:
        raise ModelError(f"not enough memory for {path.name}: needs about {need / 2**20:,.0f} MiB, {available / 2**20:,.0f} MiB available",
                         hint="close other programs, use the smaller local:qwen2.5-0.5b, or route this task to an openai: model")


class LocalChatModel(ChatModel):
    provider = "local"
    supports_json_schema = True
    supports_json_mode = True

    def __init__(self, model: str, *, data_dir: Path, threads: int | None = None, context: int = 4096) -> None:
        super().__init__(model)
        self.data_dir = data_dir
        self.threads = threads or default_threads()
        self.context = context

    def runtime(self) -> _Runtime:
        path = ensure_gguf(self.model, self.data_dir)
        key = (path, self.threads, self.context)
        with _RUNTIMES_LOCK:
            if key not in _RUNTIMES:
                _RUNTIMES[key] = _Runtime(path, self.threads, self.context)
            return _RUNTIMES[key]

    def endpoint(self) -> tuple[str, str]:
        """(base URL ending in /v1, API key) of the runtime's OpenAI-compatible HTTP endpoint on 127.0.0.1."""
        rt = self.runtime()
        return rt.server.listening_address + "/v1", rt.api_key

    def complete(self, request: ChatRequest) -> ChatResponse:
        rt = self.runtime()
        with rt.lock:
            started = time.perf_counter()
            try:
                data = rt.server.handle_chat_completions(chat_body(self.model, request))
            except ValueError as exc:  # the runtime rejects bad requests (e.g. a schema it cannot compile)
                raise ProviderError(f"{self.model_id} rejected the request: {exc}") from exc
        if isinstance(data, dict) and "error" in data:
            error = data["error"]
            hint = "raise TRADEWINDS_LOCAL_CONTEXT or send less text" if error.get("type") == "exceed_context_size_error" else None
            raise ProviderError(f"{self.model_id}: {error.get('message', error)}", hint=hint)
        return parse_chat_completion(data, model_id=self.model_id, started=started, source=self.model_id)
