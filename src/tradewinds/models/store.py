"""The gateway's SQLite file: a content-addressed response cache and one row of usage per call.

Cache keys are sha256 over (model id, messages, schema, options minus the timeout): the same
question to the same model with the same constraints. Only temperature-0 requests are cached.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

from pydantic import BaseModel

from .chat import ChatRequest, ChatResponse

# Indicative list prices, USD per million [input, output] tokens; TRADEWINDS_MODEL_PRICES overrides.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "openai:qwen-turbo": (0.05, 0.2), "openai:qwen-plus": (0.4, 1.2), "openai:qwen-max": (1.6, 6.4),
    "openai:gpt-4o-mini": (0.15, 0.6), "openai:gpt-4o": (2.5, 10.0),
}


def price_of(model_id: str, prices: dict[str, list[float]]) -> tuple[float, float] | None:
    if model_id.startswith(("local:", "fake:")):
        return (0.0, 0.0)
    p = prices.get(model_id) or DEFAULT_PRICES.get(model_id)
    return (float(p[0]), float(p[1])) if p else None


class UsageRow(BaseModel):
    task: str
    model_id: str
    calls: int
    cached: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    p50_latency_ms: float
    cost_usd: float | None  # None when a model has no price


class ModelStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model_id TEXT, response TEXT NOT NULL, created REAL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS calls (ts REAL, task TEXT, model_id TEXT, prompt_tokens INT, completion_tokens INT,"
                         " latency_ms REAL, cost_usd REAL, cached INT, error TEXT)")

    @staticmethod
    def key(model_id: str, request: ChatRequest) -> str:
        payload = request.model_dump(mode="json", exclude={"options": {"timeout_s"}})
        blob = json.dumps([model_id, payload], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> ChatResponse | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return ChatResponse.model_validate_json(row[0]) if row else None

    def put(self, key: str, response: ChatResponse) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)",
                             (key, response.model_id, response.model_dump_json(), time.time()))

    def record(self, task: str, model_id: str, *, prompt_tokens: int = 0, completion_tokens: int = 0, latency_ms: float = 0.0,
               cost_usd: float | None = None, cached: bool = False, error: str | None = None) -> None:
        with self._lock:
            self._db.execute("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (time.time(), task, model_id, prompt_tokens, completion_tokens, latency_ms, cost_usd, int(cached), error))

    def usage(self, since: float = 0.0) -> list[UsageRow]:
        with self._lock:
            rows = self._db.execute("SELECT task, model_id, prompt_tokens, completion_tokens, latency_ms, cost_usd, cached, error"
                                    " FROM calls WHERE ts >= ? ORDER BY task, model_id", (since,)).fetchall()
        groups: dict[tuple[str, str], list[tuple]] = {}
        for r in rows:
            groups.setdefault((r[0], r[1]), []).append(r)
        out = []
        for (task, model_id), rs in groups.items():
            live = sorted(r[4] for r in rs if not r[6] and r[7] is None)
            costs = [r[5] for r in rs if r[7] is None]
            out.append(UsageRow(task=task, model_id=model_id, calls=len(rs), cached=sum(r[6] for r in rs),
                                errors=sum(r[7] is not None for r in rs), prompt_tokens=sum(r[2] for r in rs),
                                completion_tokens=sum(r[3] for r in rs), p50_latency_ms=live[len(live) // 2] if live else 0.0,
                                cost_usd=None if any(c is None for c in costs) else sum(costs)))
        return out
