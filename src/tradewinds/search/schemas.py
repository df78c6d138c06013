"""Engine-neutral search contracts: what goes into a backend and what comes out."""

from __future__ import annotations

from collections.abc import Iterable

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..trade.certifications import normalize_certification


MAX_QUANTITY = 1_000_000_000  # units in one order line: beyond it a number is a typo, not a quantity
MAX_LEAD_TIME_DAYS = 3650

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchDocument(_Model):
    """One searchable offer: the product's text plus the offer/supplier fields filters need."""

    offer_id: str
    product_id: str
    supplier_id: str
    title: str
    text: str = Field("", description="Description and attributes, indexed with a lower boost")
    brand: str | None = None
    model_number: str | None = None
    category: str | None = None
    hs_code: str | None = None
    language: str = "en"
    currency: str = "USD"
    price_tiers: list[tuple[int, float]] = Field(default_factory=list, description="(min_qty, unit_price) ascending")
    moq: int = 1
    lead_time_days: int | None = None
    incoterm: str | None = None
    supplier_country: str | None = None
    supplier_name: str | None = None
    certifications: list[str] = Field(default_factory=list, description="Offer and supplier certifications together")
    verified: bool = False
    workspace_id: str | None = Field(None, description="The workspace that imported it (only it finds the offer); none: the shared catalog")

    def embedding_text(self) -> str:
        """What the dense model sees: identity-bearing fields only, short (~20 tokens), because encoder
        cost grows with length and CPU embedding is the indexing bottleneck."""
        parts = [self.title, self.brand or "", self.model_number or "", (self.category or "").split(" > ")[-1]]
        return " | ".join(p for p in parts if p)


class SearchFilters(_Model):
    """Hard constraints: applied before ranking and never violated by a result."""

    quantity: int | None = Field(None, ge=1, le=MAX_QUANTITY, description="Order quantity: MOQ must be <= it; price is read at its tier")
    max_unit_price: float | None = Field(None, gt=0, description="Unit price at `quantity` (or at MOQ) must be <= this")
    currency: str = Field("USD", description="Currency of max_unit_price; other currencies convert via TRADEWINDS_FX_RATES")
    certifications: list[str] = Field(default_factory=list, description="All of these are required")
    countries: list[str] = Field(default_factory=list, description="Supplier country must be one of these (ISO alpha-2)")
    exclude_countries: list[str] = Field(default_factory=list)
    max_lead_time_days: int | None = Field(None, ge=0, le=MAX_LEAD_TIME_DAYS)
    incoterms: list[str] = Field(default_factory=list, description="Offer Incoterm must be one of these")
    hs_prefix: str | None = Field(None, pattern=r"^\d{2,6}$", description="HS chapter/heading/subheading prefix")
    verified_only: bool = False
    workspace_id: str | None = Field(None, description="Set by the server, never by a caller: the shared catalog plus this "
                                     "workspace's own imports (none: every offer, for jobs that index)")

    @field_validator("certifications")
    @classmethod
    def _certs(cls, v: list[str]) -> list[str]:
        return [normalize_certification(c) for c in v if c.strip()]

    @field_validator("countries", "exclude_countries", "incoterms")
    @classmethod
    def _upper(cls, v: list[str]) -> list[str]:
        return [c.strip().upper() for c in v if c.strip()]

    def is_empty(self) -> bool:
        return self == SearchFilters(currency=self.currency)

    @classmethod
    def from_params(cls, *, qty: int | None = None, max_price: float | None = None, currency: str | None = "USD",
                    cert=None, country=None, exclude_country=None, max_lead_time: int | None = None, incoterm=None,
                    hs: str | None = None, verified: bool = False) -> SearchFilters:
        """Filters as a form, a query string or a command line give them: lists repeated or comma-separated."""
        return cls(quantity=qty, max_unit_price=max_price, currency=(currency or "USD").upper(), certifications=split_list(cert),
                   countries=split_list(country), exclude_countries=split_list(exclude_country), max_lead_time_days=max_lead_time,
                   incoterms=split_list(incoterm), hs_prefix=hs or None, verified_only=verified)


def split_list(values: str | Iterable[str] | None) -> list[str]:
    """'CE,RoHS', or ['CE', 'RoHS,FCC'] from a repeated parameter -> ['CE', 'RoHS', 'FCC']."""
    items = [values] if isinstance(values, str) else list(values or [])
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


class SearchRequest(_Model):
    text: str = Field(min_length=1, max_length=2000)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    limit: int = Field(10, ge=1, le=200)
    mode: Literal["hybrid", "lexical", "dense"] = "hybrid"
    facets: bool = False
    rerank: bool = True
    reference_price: float | None = Field(None, gt=0, description="Price of the item being matched; a ranking signal, not a filter")


class SearchHit(_Model):
    offer_id: str
    product_id: str
    supplier_id: str
    title: str
    brand: str | None = None
    model_number: str | None = None
    category: str | None = None
    hs_code: str | None = None
    score: float
    lexical_score: float | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    dense_rank: int | None = None
    unit_price: float | None = Field(None, description="At the requested quantity (or MOQ), in `currency`")
    currency: str
    moq: int
    lead_time_days: int | None = None
    incoterm: str | None = None
    supplier_country: str | None = None
    supplier_name: str | None = None
    certifications: list[str] = Field(default_factory=list)
    verified: bool = False


class FacetCount(_Model):
    value: str
    count: int


class SearchResponse(_Model):
    hits: list[SearchHit]
    candidates: int = Field(description="Offers that passed the filters in the candidate pool")
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)
    took_ms: float
    backend: str
