"""One settings class for all configuration; every field reads ``TRADEWINDS_<NAME>``.

Precedence: arguments > environment > TOML file (``TRADEWINDS_CONFIG`` or ./tradewinds.toml) > defaults.
Defaults work offline on a laptop: a SQLite file and an embedded search index
under ``data_dir`` (``./data`` unless ``TRADEWINDS_DATA_DIR`` says otherwise).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


from .trade.fx import default_rates

# USD per unit: ECB reference rates, official pegs and indicative rates, each with its source (tradewinds.trade.fx)
DEFAULT_FX_RATES = default_rates()
WORKSPACE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # also a folder name under data_dir/workspaces


def config_file() -> Path:
    """TRADEWINDS_CONFIG, else ./tradewinds.toml (optional: a missing default file is fine)."""
    named = os.environ.get("TRADEWINDS_CONFIG")
    if named and not Path(named).is_file():
        from .errors import ConfigError

        raise ConfigError(f"TRADEWINDS_CONFIG names {named!r}, which is not a file", hint="fix the path or unset TRADEWINDS_CONFIG")
    return Path(named or "tradewinds.toml")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADEWINDS_", extra="forbid")

    data_dir: Path = Field(Path("data"), description="Where the database, indexes and caches live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the system of record; default sqlite:///<data_dir>/catalog.db. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db",
    )
    max_queued_jobs: int = Field(16, ge=0, le=10_000, description="Runs and bulk jobs waiting for a worker beyond the two "
                                 "running; more are refused with 429 and Retry-After.")
    workspace: str = Field("local", pattern=f"^{WORKSPACE_ID.pattern}$", description="The workspace CLI commands act in.")
    quotas: dict[str, int] = Field(default_factory=dict, description="Default quotas of every workspace (each can override them): "
                                   "model_tokens_per_day (2,000,000), concurrent_runs (4), upload_bytes_per_day (2 GiB); 0 is no "
                                   "limit. Env: TRADEWINDS_QUOTAS='{\"concurrent_runs\": 8}'")
    cli_user: str | None = Field(None, max_length=120, description="Who CLI commands act as (an owner of the machine's "
                                 "workspace); default the login name of the user running them.")
    search_url: str | None = Field(
        None, description="Search backend; default embedded:<data_dir>/search (tantivy + numpy vectors). "
        "Milvus: milvus://host:19530[/db][?collection=..&index=HNSW], or milvus:path/offers.db for milvus-lite."
    )
    milvus_token: SecretStr | None = Field(None, description="Milvus credentials (user:password or an API key) when the server needs them.")
    embedding_model: str = Field("local:multilingual-e5-small", description="provider:model for embeddings.")
    public_url: str = Field("http://127.0.0.1:8000", description="Where `tradewinds serve` is reached; catalog links in report files point there.")
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Host names the server answers (a guard against DNS rebinding); public_url's host is always "
        "allowed. Env: TRADEWINDS_ALLOWED_HOSTS='[\"shop.example.com\"]'; '*' allows any (behind a proxy that checks).")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible endpoint for openai:* models, e.g. http://127.0.0.1:8080/v1")
    openai_api_key: SecretStr | None = Field(None, description="API key for that endpoint (DashScope, OpenAI...)")
    model_routes: dict[str, list[str]] = Field(
        default_factory=lambda: {"default": ["local:qwen2.5-0.5b"]},
        description="Task name -> model ids, first choice first, the rest are fallbacks. A task uses its own entry, "
        "else its longest dotted prefix (sourcing.extract -> sourcing), else 'default'. "
        "Env: TRADEWINDS_MODEL_ROUTES='{\"sourcing.extract\": \"openai:qwen-plus,local:qwen2.5-0.5b\"}'",
    )
    support_strategy: Literal["auto", "guided", "tools"] = Field(
        "auto", description="The support agent's strategy: 'tools' (a tool-calling loop, for a model with native tools), "
        "'guided' (the deterministic dialogue manager, for the embedded small model), or 'auto': tools when every model on "
        "the 'support' route calls tools natively.")
    stripe_api_key: SecretStr | None = Field(None, description="Stripe secret or restricted key (Disputes write, Files write): "
                                             "dispute responses are submitted with it, each after a person's approval.")
    stripe_api_base: str = Field("https://api.stripe.com", description="Stripe's API base URL (a local stand-in in tests).")
    stripe_webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict, description="Per workspace, the signing secret of its "
                                                         "Stripe webhook endpoint (/v1/disputes/webhook/<workspace>): "
                                                         '\'{"local": "whsec_..."}\'.')
    shopify_url: str | None = Field(None, description="Your Shopify store's Admin API base, e.g. https://shop.myshopify.com (listings are published there).")
    shopify_token: SecretStr | None = Field(None, description="A Shopify Admin API access token with write_products.")
    spapi_url: str | None = Field(None, description="Amazon Selling Partner API endpoint, e.g. https://sellingpartnerapi-eu.amazon.com.")
    spapi_token: SecretStr | None = Field(None, description="An SP-API access token (LWA) for listings.")
    spapi_seller_id: str | None = Field(None, description="Your Amazon seller id (the listings' owner).")
    dispute_counter_fee: float = Field(15.0, ge=0, description="What countering a dispute costs, in USD (weighs fight or accept).")
    model_cache: bool = Field(True, description="Reuse responses to identical temperature-0 requests (TRADEWINDS_MODEL_CACHE=0 or --no-cache to bypass).")
    model_timeout_s: float = Field(120.0, gt=0, description="Per-call timeout unless the caller sets one.")
    model_retries: int = Field(2, ge=0, le=10, description="Retries of one model on 429/5xx/timeouts before falling back to the next.")
    model_backoff_s: float = Field(0.5, ge=0, description="First retry delay; doubles each retry, with full jitter.")
    model_concurrency: int = Field(4, ge=1, le=256, description="Calls in flight per model at once (the local runtime runs one at a time anyway).")
    model_prices: dict[str, list[float]] = Field(
        default_factory=dict,
        description="USD per million [input, output] tokens by model id, merged over the built-in table; used for the cost column of `tradewinds models usage`.",
    )
    local_threads: int | None = Field(None, ge=1, le=128, description="llama.cpp threads (default 1 on <= 2 cores, else half the cores, at most 8).")
    local_context: int = Field(4096, ge=512, le=131_072, description="Context window of the local model, in tokens.")
    embedding_batch_size: int = Field(64, ge=1, le=4096)
    embedding_workers: int | None = Field(None, ge=1, le=64, description="Local embedder instances, one CPU thread each (default: cores, at most 4)")
    max_import_bytes: int = Field(512 * 1024 * 1024, ge=1, description="Largest catalog file accepted.")
    max_import_rows: int = Field(5_000_000, ge=1)
    import_batch_size: int = Field(1000, ge=1, description="Rows committed atomically together.")
    max_moq: int = Field(10_000_000, ge=1, description="MOQ above this is refused as absurd.")
    fx_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_FX_RATES),
        description="USD value of one unit of each currency, to compare and total prices across currencies. Defaults: "
        "ECB reference rates, official pegs, indicative rates for other common currencies (tradewinds.trade.fx, "
        "each shown with its source and date). Entries given in TRADEWINDS_FX_RATES='{\"EUR\": 1.1}' override them.",
    )

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: arguments, then TRADEWINDS_* env vars, then the TOML file, then defaults."""
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file())

    @field_validator("fx_rates")
    @classmethod
    def _merge_fx(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: r for k, r in v.items() if not r > 0}
        if bad:
            raise ValueError(f"exchange rates must be positive, got {bad!r}")
        return {**DEFAULT_FX_RATES, **{k.upper(): r for k, r in v.items()}}

    @field_validator("model_routes", mode="before")
    @classmethod
    def _routes(cls, v: object) -> object:
        if isinstance(v, dict):
            v = {task: [m.strip() for m in ids.split(",") if m.strip()] if isinstance(ids, str) else ids for task, ids in v.items()}
            v.setdefault("default", ["local:qwen2.5-0.5b"])
        return v

    @field_validator("model_routes")
    @classmethod
    def _check_routes(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for task, ids in v.items():
            if not ids:
                raise ValueError(f"route {task!r} lists no model")
            bad = [m for m in ids if ":" not in m]
            if bad:
                raise ValueError(f"route {task!r}: {bad} are not provider:model ids (e.g. local:qwen2.5-0.5b, openai:qwen-plus)")
        return v

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    def allowed_host_names(self) -> list[str]:
        from urllib.parse import urlsplit

        return [*self.allowed_hosts, urlsplit(self.public_url).hostname or "127.0.0.1"]

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'catalog.db'}"

    @property
    def resolved_search_url(self) -> str:
        return self.search_url or f"embedded:{self.data_dir / 'search'}"

    @property
    def models_db_path(self) -> Path:
        return self.data_dir / "cache" / "models.sqlite"

    @property
    def vector_cache_path(self) -> Path:
        return self.data_dir / "cache" / "vectors.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
