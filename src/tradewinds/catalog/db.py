"""SQLAlchemy 2.0 storage for the catalog: SQLite file by default, PostgreSQL by URL.

The schema is owned by Alembic migrations (``catalog/migrations``); :func:`open_database`
upgrades a database to the latest revision before handing out an engine.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import (JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, create_engine, event)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..errors import ConfigError


class Base(DeclarativeBase):
    pass


class SupplierRow(Base):
    __tablename__ = "suppliers"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    years_in_business: Mapped[int | None] = mapped_column(Integer)
    certifications: Mapped[list] = mapped_column(JSON, default=list)
    capabilities: Mapped[list] = mapped_column(JSON, default=list)
    export_markets: Mapped[list] = mapped_column(JSON, default=list)
    response_rate: Mapped[float | None] = mapped_column(Float)
    on_time_delivery_rate: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[float | None] = mapped_column(Float)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class ProductRow(Base):
    __tablename__ = "products"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str | None] = mapped_column(String(120))
    model_number: Mapped[str | None] = mapped_column(String(120))
    attributes: Mapped[list] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(String(300))
    hs_code: Mapped[str | None] = mapped_column(String(6), index=True)
    language: Mapped[str] = mapped_column(String(2), default="en")
    image_url: Mapped[str | None] = mapped_column(String(2000))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class OfferRow(Base):
    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(60))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    price_tiers: Mapped[list] = mapped_column(JSON)
    moq: Mapped[int] = mapped_column(Integer)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    incoterm: Mapped[str | None] = mapped_column(String(3))
    ship_from_port: Mapped[str | None] = mapped_column(String(120))
    ship_from_country: Mapped[str | None] = mapped_column(String(2))
    sample_available: Mapped[bool] = mapped_column(Boolean, default=False)
    certifications: Mapped[list] = mapped_column(JSON, default=list)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_suppliers_source_external", SupplierRow.source, SupplierRow.external_id, unique=True)
Index("ix_products_source_external", ProductRow.source, ProductRow.external_id, unique=True)
Index("ix_offers_source_external", OfferRow.source, OfferRow.external_id, unique=True)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises many types for a bad URL/driver
        raise ConfigError(f"cannot use database URL {url!r}: {exc}",
                          hint="set TRADEWINDS_DATABASE_URL to sqlite:///path.db or postgresql+psycopg://...") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@cache
def open_database(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine
