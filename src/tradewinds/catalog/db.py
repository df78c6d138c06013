"""The catalog's tables (SQLAlchemy 2.0). The engine and the migrations that own the schema are
``tradewinds.db``'s, shared with every other domain's tables."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, make_engine, open_database, upgrade  # noqa: F401 - re-exported for the catalog's callers


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
    workspace_id: Mapped[str | None] = mapped_column(String(64), index=True)  # None: the shared catalog


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
    workspace_id: Mapped[str | None] = mapped_column(String(64), index=True)  # None: the shared catalog


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
    workspace_id: Mapped[str | None] = mapped_column(String(64), index=True)  # None: the shared catalog


# one record per source and external id in the shared catalog (the id, a hash of both, holds that) and in each workspace
Index("ix_suppliers_source_external", SupplierRow.source, SupplierRow.external_id, SupplierRow.workspace_id, unique=True)
Index("ix_products_source_external", ProductRow.source, ProductRow.external_id, ProductRow.workspace_id, unique=True)
Index("ix_offers_source_external", OfferRow.source, OfferRow.external_id, OfferRow.workspace_id, unique=True)
