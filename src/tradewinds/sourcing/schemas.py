"""The sourcing contract: the requirement ledger in, scored options and a report out.

`SourcingReport` is what `tradewinds source --format json` prints and the API returns; its
fields are documented in docs/sourcing.md and pinned by tests/test_sourcing.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..runtime.events import StepEvent  # noqa: F401 - re-exported: sourcing streams these
from ..trade.landed import LandedCost

Status = Literal["met", "partial", "unknown", "fails"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Spec(_Model):
    """A wanted attribute: `power >= 3000 W`, `material = stainless steel`."""

    name: str = Field(max_length=60)
    value: str | float = Field(description="Number (with unit) or text")
    unit: str | None = Field(None, max_length=12)
    op: Literal["=", ">=", "<="] = "="


class LedgerLine(_Model):
    id: str = Field(description="L1, L2, ... stable within a session")
    name: str = Field(max_length=120, description="What to buy, in words a catalog uses")
    quantity: int = Field(ge=1)
    quantity_formula: str | None = Field(None, description="How the quantity was derived, e.g. '40 seats / 4 per table = 10'")
    quantity_stated: bool = Field(True, description="False when derived or defaulted")
    specs: list[Spec] = Field(default_factory=list)
    max_unit_price: float | None = Field(None, gt=0)
    currency: str = "USD"
    certifications: list[str] = Field(default_factory=list)
    customization: str | None = Field(None, max_length=200, description="Logo, packaging, colour... (asked of the supplier)")
    queries: list[str] = Field(default_factory=list, description="Search queries planned for this line (editable)")
    native: str | None = Field(None, max_length=120, description="The product as the buyer wrote it, when not in English")
    concept: str | None = Field(None, max_length=80, description="The product concept the buyer named (lexicon), e.g. 'insulated tumbler'")
    categories: list[str] = Field(default_factory=list, description="Catalog categories that are this product; empty: the catalog "
                                  "carries none (every candidate is then at most related)")
    hs_codes: list[str] = Field(default_factory=list, description="HS codes of those categories")
    kind_note: str | None = Field(None, max_length=300, description="How the product's kind was decided")
    qualifiers: list[str] = Field(default_factory=list, description="Other products the buyer's phrase says this one is for "
                                  "('acoustic guitar' in 'cuerdas de guitarra'); the catalog's kind must fit them")
    modifiers: list[str] = Field(default_factory=list, description="The buyer's own words that narrow the product to a kind "
                                 "the lexicon does not name ('ping pong' in 'tavoli da ping pong'); the catalog's titles of the "
                                 "kind must carry them")
    without: list[str] = Field(default_factory=list, description="Product concepts the buyer said it comes without ('electric "
                               "motor' in 'sin motor'); a candidate whose record names one is another kind")
    kind_confirmed: bool = Field(True, description="False: only a model's translation names the product; no candidate counts "
                                 "as it until the buyer confirms the name (edit the plan)")

    @property
    def category(self) -> str | None:
        return self.categories[0] if self.categories else None


class Ledger(_Model):
    need: str = Field(description="The buyer's words, verbatim (data, never instructions)")
    language: str = Field("en", description="ISO 639-1 of the need")
    lines: list[LedgerLine]
    budget_total: float | None = Field(None, gt=0)
    currency: str = "USD"
    destination_country: str | None = Field(None, description="ISO alpha-2")
    supplier_countries: list[str] = Field(default_factory=list, description="Only suppliers from these (ISO alpha-2)")
    exclude_countries: list[str] = Field(default_factory=list)
    incoterm: str | None = None
    max_lead_time_days: int | None = Field(None, ge=0)
    verified_only: bool = False
    notes: list[str] = Field(default_factory=list, description="What the understand step assumed or ignored")


class RequirementCheck(_Model):
    requirement: str = Field(description="e.g. 'price <= 2.00 USD at 500', 'CE', 'power >= 3000 W'")
    kind: Literal["product", "quantity", "price", "certification", "country", "lead_time", "incoterm", "spec", "verified", "export"]
    status: Status
    evidence: str = Field(description="Quoted from the catalog record, or what the record lacks")
    weight: float = 1.0
    hard: bool = False


class Option(_Model):
    offer_id: str
    product_id: str
    supplier_id: str
    title: str
    supplier_name: str | None = None
    supplier_country: str | None = None
    unit_price: float | None = Field(None, description="At the line's quantity, in `currency`")
    currency: str
    total: float | None = Field(None, description="unit_price x quantity")
    moq: int
    lead_time_days: int | None = None
    incoterm: str | None = None
    certifications: list[str] = Field(default_factory=list)
    match: float = Field(ge=0, le=1, description="Weighted share of requirements met (partial counts half); for a product that "
                         "is not the one asked for, a fixed 0.5 (same category) or 0.25, whatever else it meets")
    tier: Literal[100, 75, 50, 0] = Field(description="100 = every requirement met; 75/50 = at least that share; 0 = below")
    requirements: list[RequirementCheck]
    same_product: bool = Field(True, description="False: a related product (another kind), shown apart, never adequate")
    landed: LandedCost | None = Field(None, description="Delivered duty paid at the destination (when the need names one)")


class NearMiss(_Model):
    """'3 offers of hotel towels exist, MOQ 200 > 80': a hard constraint that excludes real matches."""

    constraint: Literal["moq", "price", "certification", "country", "verified"]
    offers: int = Field(ge=1, description="Offers of the product that this constraint alone excludes")
    message: str
    admit: str = Field(description="What would admit them, e.g. 'order at least 200'")
    offer_ids: list[str] = Field(default_factory=list, max_length=5, description="Examples (citable)")


class LineResult(_Model):
    line_id: str
    name: str
    quantity: int
    options: list[Option] = Field(default_factory=list, description="The product asked for, best first")
    related: list[Option] = Field(default_factory=list, description="Similar products of another kind, shown apart (never adequate)")
    no_match: bool = Field(description="True when no adequate (>= 75%) option exists in the catalog")
    rounds: int = 0
    queries_run: list[str] = Field(default_factory=list)
    relaxed: list[str] = Field(default_factory=list, description="Soft constraints relaxed to find candidates")
    missing: list[str] = Field(default_factory=list, description="What is still missing for this line")
    near_misses: list[NearMiss] = Field(default_factory=list, description="Offers of the product a hard constraint excludes, "
                                          "and what would admit them")




class SupplierScore(_Model):
    supplier_id: str
    name: str
    country: str | None = None
    score: float
    lines: list[str] = Field(description="Line ids this supplier has an adequate option for")
    signals: dict[str, float | None]


class Totals(_Model):
    currency: str
    best_total: float | None = Field(None, description="Sum over lines of the best adequate option's goods total (converted)")
    landed_total: float | None = Field(None, description="The same options delivered duty paid at the destination (estimates)")
    budget_total: float | None = None
    within_budget: bool | None = Field(None, description="Landed total (else goods total) within the budget")
    budget_used: float | None = Field(None, description="Share of the budget the plan uses")
    exchange_rates: list[str] = Field(default_factory=list, description="Every rate used to total mixed currencies, with its source and date")
    lines_priced: int = 0
    lines_missing: list[str] = Field(default_factory=list)


class RunStats(_Model):
    model_calls: int = 0
    search_calls: int = 0
    rounds: int = 0
    first_result_s: float | None = None
    total_s: float = 0.0
    partial: bool = Field(False, description="A budget ran out before every line had adequate options")
    meaning_coverage: float = Field(1.0, description="Share of catalog products the search could match by meaning when this run "
                                    "searched; below 1 while vectors are filled in behind the keywords")


class SourcingReport(_Model):
    run_id: str
    ledger: Ledger
    lines: list[LineResult]
    totals: Totals
    shortlist: list[SupplierScore]
    questions: list[str] = Field(default_factory=list, description="Unknowns to ask suppliers")
    risks: list[str] = Field(default_factory=list)
    summary: str = ""
    citations: list[str] = Field(default_factory=list, description="Every catalog id the report mentions")
    changes: list[str] = Field(default_factory=list, description="What a follow-up changed")
    stats: RunStats = Field(default_factory=RunStats)
