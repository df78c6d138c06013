"""One settings class for all configuration; every field reads ``TRADEWINDS_<NAME>``.

Defaults work offline on a laptop: a SQLite file and an embedded search index
under ``data_dir`` (``./data`` unless ``TRADEWINDS_DATA_DIR`` says otherwise).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


DEFAULT_FX_RATES = {"USD": 1.0, "EUR": 1.08, "CNY": 0.14, "GBP": 1.27, "JPY": 0.0066, "KRW": 0.00073, "INR": 0.012,
                    "VND": 0.000039, "TRY": 0.029, "AED": 0.272, "MXN": 0.055, "BRL": 0.18, "THB": 0.028, "TWD": 0.031,
                    "PKR": 0.0036, "BDT": 0.0083, "MYR": 0.22, "IDR": 0.000063, "HKD": 0.128}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADEWINDS_", extra="forbid")

    data_dir: Path = Field(Path("data"), description="Where the database, indexes and caches live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the system of record; default sqlite:///<data_dir>/catalog.db. "
        "PostgreSQL: postgresql+psycopg://user:pass@host/db",
    )
    search_url: str | None = Field(
        None, description="Search backend; default embedded:<data_dir>/search (tantivy + numpy vectors)."
    )
    embedding_model: str = Field("local:multilingual-e5-small", description="provider:model for embeddings.")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible endpoint for openai:* models, e.g. http://127.0.0.1:8080/v1")
    openai_api_key: SecretStr | None = Field(None, description="API key for that endpoint (DashScope, OpenAI...)")
    embedding_batch_size: int = Field(64, ge=1, le=4096)
    embedding_workers: int | None = Field(None, ge=1, le=64, description="Local embedder instances, one CPU thread each (default: cores, at most 4)")
    max_import_bytes: int = Field(512 * 1024 * 1024, ge=1, description="Largest catalog file accepted.")
    max_import_rows: int = Field(5_000_000, ge=1)
    import_batch_size: int = Field(1000, ge=1, description="Rows committed atomically together.")
    max_moq: int = Field(10_000_000, ge=1, description="MOQ above this is refused as absurd.")
    fx_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_FX_RATES),
        description="Indicative USD value of one unit of each currency, used only to compare prices across "
        "currencies in filters. Entries given in TRADEWINDS_FX_RATES='{\"EUR\": 1.1}' override the defaults.",
    )

    @field_validator("fx_rates")
    @classmethod
    def _merge_fx(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: r for k, r in v.items() if not r > 0}
        if bad:
            raise ValueError(f"exchange rates must be positive, got {bad!r}")
        return {**DEFAULT_FX_RATES, **{k.upper(): r for k, r in v.items()}}

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'catalog.db'}"

    @property
    def resolved_search_url(self) -> str:
        return self.search_url or f"embedded:{self.data_dir / 'search'}"

    @property
    def vector_cache_path(self) -> Path:
        return self.data_dir / "cache" / "vectors.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
