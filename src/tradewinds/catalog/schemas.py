"""Pydantic models at the catalog's edges: what importers accept and the API returns.

Ids are stable and citable: ``sup_``, ``prd_`` and ``off_`` followed by 16 base32
characters derived from the record's source and external id (see :mod:`.ids`), so
re-importing the same feed yields the same ids.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..trade.certifications import normalize_certification
from ..trade.pricing import price_at
from . import reference

SupplierId = Annotated[str, Field(pattern=r"^sup_[a-z2-7]{16}$", examples=["sup_3k7v2mq5x1abcdef"])]
ProductId = Annotated[str, Field(pattern=r"^prd_[a-z2-7]{16}$")]
OfferId = Annotated[str, Field(pattern=r"^off_[a-z2-7]{16}$")]


class Capability(StrEnum):
    OEM = "OEM"
    ODM = "ODM"
    CUSTOM_LOGO = "custom_logo"
    CUSTOM_PACKAGING = "custom_packaging"


# Certifications we recognise; anything else is kept verbatim but upper-cased.
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Attribute(_Model):
    """A typed key/value, e.g. ``capacity = 12 L`` or ``material = stainless steel``."""

    name: str = Field(min_length=1, max_length=80)
    value: str | float | int | bool
    unit: str | None = Field(None, max_length=20, description="SI or trade unit: mm, kg, W, V, L, pcs...")

    def display(self) -> str:
        value = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        return f"{self.name}: {value}{' ' + self.unit if self.unit else ''}"


class PriceTier(_Model):
    min_qty: int = Field(ge=1, description="Smallest order quantity this unit price applies to.")
    unit_price: float = Field(gt=0, description="Price per unit in the offer's currency.")


def _check_country(value: str | None) -> str | None:
    if value is None:
        return None
    code = reference.country_code(value)
    if code is None:
        raise ValueError(f"unknown country {value!r}; use an ISO 3166 alpha-2 code such as CN, VN, DE")
    return code


class SupplierIn(_Model):
    external_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=300)
    country: str = Field(description="ISO 3166-1 alpha-2")
    city: str | None = Field(None, max_length=120)
    years_in_business: int | None = Field(None, ge=0, le=300)
    certifications: list[str] = Field(default_factory=list, max_length=50)
    capabilities: list[Capability] = Field(default_factory=list)
    export_markets: list[str] = Field(default_factory=list, max_length=60, description="ISO alpha-2 codes or regions")
    response_rate: float | None = Field(None, ge=0, le=1)
    on_time_delivery_rate: float | None = Field(None, ge=0, le=1)
    rating: float | None = Field(None, ge=0, le=5)
    verified: bool = False
    synthetic: bool = False
    source: str = Field("import", max_length=60)

    _country = field_validator("country")(lambda cls, v: _check_country(v))

    @field_validator("certifications")
    @classmethod
    def _certs(cls, v: list[str]) -> list[str]:
        return sorted({normalize_certification(c) for c in v if c.strip()})


class Supplier(SupplierIn):
    id: SupplierId
    workspace_id: str | None = Field(None, description="The workspace whose import this is (only it sees the record); none: the shared catalog")


class ProductIn(_Model):
    external_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=2, max_length=500)
    description: str = Field("", max_length=20_000)
    brand: str | None = Field(None, max_length=120)
    model_number: str | None = Field(None, max_length=120)
    attributes: list[Attribute] = Field(default_factory=list, max_length=100)
    category: str | None = Field(None, max_length=300, description="Human category path, e.g. 'Coffee equipment > Espresso machines'")
    hs_code: str | None = Field(None, description="HS 2022 code: 2, 4 or 6 digits")
    language: str = Field("en", pattern=r"^[a-z]{2}$", description="ISO 639-1 code of title/description")
    image_url: str | None = Field(None, max_length=2000)
    synthetic: bool = False
    source: str = Field("import", max_length=60)

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        code = v.replace(".", "").replace(" ", "")
        if not reference.hs_code_exists(code):
            raise ValueError(f"{v!r} is not an HS 2022 chapter, heading or subheading (e.g. 8516, 851671)")
        return code


class Product(ProductIn):
    id: ProductId
    workspace_id: str | None = Field(None, description="The workspace whose import this is (only it sees the record); none: the shared catalog")


class _OfferFields(_Model):
    external_id: str = Field(min_length=1, max_length=200)
    currency: str = Field("USD", description="ISO 4217 code")
    price_tiers: list[PriceTier] = Field(min_length=1, max_length=20)
    moq: int = Field(1, ge=1)
    lead_time_days: int | None = Field(None, ge=0, le=365)
    incoterm: str | None = Field(None, description="Incoterms 2020 code, e.g. FOB")
    ship_from_port: str | None = Field(None, max_length=120)
    ship_from_country: str | None = None
    sample_available: bool = False
    certifications: list[str] = Field(default_factory=list, max_length=50, description="Product compliance held for this offer")
    synthetic: bool = False
    source: str = Field("import", max_length=60)

    _country = field_validator("ship_from_country")(lambda cls, v: _check_country(v))
    _certs = field_validator("certifications")(SupplierIn._certs.__func__)

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        code = v.strip().upper()
        if not reference.currency_exists(code):
            raise ValueError(f"{v!r} is not an ISO 4217 currency code (e.g. USD, EUR, CNY)")
        return code

    @field_validator("incoterm")
    @classmethod
    def _incoterm(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        code = v.strip().upper()
        if code not in reference.incoterms():
            raise ValueError(f"{v!r} is not an Incoterms 2020 code; expected one of {', '.join(reference.incoterms())}")
        return code

    @model_validator(mode="after")
    def _tiers(self) -> "_OfferFields":
        tiers = sorted(self.price_tiers, key=lambda t: t.min_qty)
        if len({t.min_qty for t in tiers}) != len(tiers):
            raise ValueError("price_tiers: two tiers share the same min_qty")
        self.price_tiers = tiers
        return self

    def unit_price_at(self, quantity: int) -> float | None:
        return price_at(self.price_tiers, quantity)


class OfferIn(_OfferFields):
    product_external_id: str = Field(min_length=1, max_length=200)
    supplier_external_id: str = Field(min_length=1, max_length=200)


class Offer(_OfferFields):
    id: OfferId
    product_id: ProductId
    supplier_id: SupplierId
    workspace_id: str | None = Field(None, description="The workspace whose import this is (only it sees the record); none: the shared catalog")


class ImportIssue(_Model):
    """One problem in one row of one file: precise enough to fix without guessing."""

    file: str
    row: int | None = Field(None, description="The row as a spreadsheet numbers it (the header is row 1); the line in JSONL; "
                            "None for file-level")
    field: str | None = None
    value: str | None = None
    problem: str
    fix: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        what = f", field {self.field!r}" if self.field else ""
        value = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}{what}{value}: {self.problem}. Fix: {self.fix}"


class ImportReport(_Model):
    file: str
    format: str
    rows_read: int = 0
    suppliers_upserted: int = 0
    products_upserted: int = 0
    offers_upserted: int = 0
    rows_skipped: int = 0
    issues: list[ImportIssue] = Field(default_factory=list)
    refused: bool = False
    offer_ids: list[str] = Field(default_factory=list, exclude=True, description="Offers written (to index just those)")

    @property
    def ok(self) -> bool:
        return not self.refused and not any(i.severity == "error" for i in self.issues)
