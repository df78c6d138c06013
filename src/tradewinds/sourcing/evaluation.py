"""How sourcing is measured: written needs with their expected ledgers, scored against a report.

Used by ``benchmarks/sourcing.py`` and its tests. A case (one JSONL line) states what a careful
buyer's agent would have understood — the product family of each line as catalog category
leaves, quantities, price caps, certifications, countries, lead time, verification, budget — and
the report is scored field by field. Which lines the catalog can really serve is not written by
hand: :class:`CatalogTruth` decides it from the catalog records (an offer of the expected
category that meets every hard constraint), so "honest no_match" cannot drift from the data.

Measures (per case, summed by the benchmark):
- ledger fields: language, destination, allowed/excluded supplier countries, lead time,
  verified-only, budget (amount and currency), line count, and per line the product family,
  quantity, unit price cap (amount and currency) and certifications;
- wrong products rated >= 75 %: options of a line, shown anywhere in the report, whose product
  is not of an expected category;
- hard constraints of options rated 100 %, re-checked on the records;
- honest no_match per line, against the catalog truth;
- near misses explained: lines the catalog has the product for but no offer meets the hard
  constraints, whose report text names the constraint that excludes them;
- landed-cost coverage: adequate options that carry a landed cost estimate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..catalog.schemas import Offer, PriceTier, Product, Supplier
from ..trade.pricing import price_at
from .schemas import LineResult, Option, SourcingReport
from .score import adequate, convert

ADEQUATE_MATCH = 0.75


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedLine(_Model):
    category: list[str] = Field(description="Catalog category leaves that are this product; [] when the catalog has no such product")
    quantity: int | None = None
    max_unit_price: float | None = None
    currency: str | None = Field(None, description="Currency of the price cap")
    certifications: list[str] = Field(default_factory=list)


class ExpectedProject(_Model):
    template: str
    scale: int
    lines_at_least: int
    must_include: list[str] = Field(description="Category leaves the plan must have a line for")


class NeedCase(_Model):
    id: str
    language: str
    need: str
    lines: list[ExpectedLine] = Field(default_factory=list)
    destination: str | None = None
    supplier_countries: list[str] = Field(default_factory=list)
    exclude_countries: list[str] = Field(default_factory=list)
    max_lead_time_days: int | None = None
    verified_only: bool = False
    budget_total: float | None = None
    budget_currency: str | None = None
    project: ExpectedProject | None = None
    no_match: bool = Field(False, description="The catalog has no such product (also decided from the records)")


def load_cases(path: Path) -> list[NeedCase]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(NeedCase.model_validate(json.loads(line)))
            except ValueError as exc:
                raise ValueError(f"{path}, line {n}: {exc}") from exc
    return out


def leaf(category: str | None) -> str | None:
    return category.split(" > ")[-1].strip() if category else None


@dataclass
class _OfferFacts:
    moq: int
    tiers: list[PriceTier]
    currency: str
    certifications: set[str]
    country: str | None
    verified: bool


class CatalogTruth:
    """Offers by category leaf with the facts hard constraints need, read once from the catalog."""

    def __init__(self, records: Iterable[dict], fx: dict[str, float]) -> None:
        self.fx = fx
        self.by_leaf: dict[str, list[_OfferFacts]] = {}
        for r in records:
            certs = {c.lower() for c in (r.get("offer_certifications") or []) + (r.get("supplier_certifications") or [])}
            tiers = [PriceTier.model_validate(t) for t in r["price_tiers"]]
            self.by_leaf.setdefault(leaf(r["category"]) or "", []).append(
                _OfferFacts(r["moq"], tiers, r["currency"], certs, r["supplier_country"], bool(r["verified"])))

    @classmethod
    def from_repo(cls, repo, fx: dict[str, float]) -> CatalogTruth:
        return cls((r for batch in repo.iter_offer_records() for r in batch), fx)

    def failing(self, o: _OfferFacts, line: ExpectedLine, case: NeedCase) -> list[str]:
        """The hard constraints this offer fails for this line: moq, price, certification, country, verified."""
        out = []
        qty = line.quantity or o.moq
        if o.moq > qty:
            out.append("moq")
        if line.max_unit_price is not None:
            at = price_at(o.tiers, max(qty, o.moq))  # below the MOQ there is no price: judge the price at the MOQ
            price = None if at is None else convert(at, o.currency, line.currency or "USD", self.fx)
            if price is None or price > line.max_unit_price * (1 + 1e-9):
                out.append("price")
        if any(c.lower() not in o.certifications for c in line.certifications):
            out.append("certification")
        if (case.supplier_countries and o.country not in case.supplier_countries) or o.country in case.exclude_countries:
            out.append("country")
        if case.verified_only and not o.verified:
            out.append("verified")
        return out

    def servable(self, line: ExpectedLine, case: NeedCase) -> bool:
        return any(not self.failing(o, line, case) for c in line.category for o in self.by_leaf.get(c, []))

    def binding(self, line: ExpectedLine, case: NeedCase) -> set[str]:
        """For a near miss: the constraints that, alone relaxed, would admit an offer of the product."""
        out: set[str] = set()
        for c in line.category:
            for o in self.by_leaf.get(c, []):
                fails = self.failing(o, line, case)
                if len(fails) == 1:
                    out.add(fails[0])
        return out

    def carries(self, line: ExpectedLine) -> bool:
        return any(self.by_leaf.get(c) for c in line.category)


@dataclass
class CaseScore:
    fields: dict[str, bool] = field(default_factory=dict)  # field name -> correct
    wrong_rated: list[str] = field(default_factory=list)  # "offer_id (category)" rated >= 75 % but not the product
    options_rated: int = 0  # options rated >= 75 % on scored lines
    hard_checked: int = 0
    hard_failures: list[str] = field(default_factory=list)
    no_match_ok: list[bool] = field(default_factory=list)
    near_miss: list[bool] = field(default_factory=list)  # per near-miss line: explained?
    landed: list[bool] = field(default_factory=list)  # per adequate option: landed cost present?
    misses: list[str] = field(default_factory=list)


def line_options(result: LineResult) -> list[Option]:
    """Every option a line shows, wherever the report shows it (best options and related products)."""
    return list(result.options) + list(getattr(result, "related", None) or [])


def _category_of(result: LineResult | None, ledger_line, records: dict) -> str | None:
    """The product family a line resolved to: its ledger category when it has one, else its top option's."""
    resolved = getattr(ledger_line, "category", None) if ledger_line is not None else None
    if resolved:
        return leaf(resolved)
    if result is not None and result.options:
        product = records.get(result.options[0].product_id)
        return leaf(product.category) if isinstance(product, Product) else None
    return None


def _line_text(report: SourcingReport, result: LineResult | None) -> str:
    if result is None:
        return " ".join(report.risks).lower()
    mine = [r for r in report.risks if r.startswith(f"{result.line_id} ")]
    notes = [str(n) for n in (getattr(result, "near_misses", None) or [])]
    return " ".join([*result.missing, *mine, *notes]).lower()


_BINDING_WORDS = {"moq": ("moq", "minimum order"), "price": ("price",), "country": ("countr", "supplier"), "verified": ("verified",)}


def score_case(case: NeedCase, report: SourcingReport | None, truth: CatalogTruth, records: dict, *,
               crashed: bool = False) -> CaseScore:
    """Score one report (None: the system refused the need as bad input, or crashed) against its case.
    ``records``: catalog records by id for every offer, product and supplier the report cites."""
    s = CaseScore()
    if crashed:
        s.fields = {"language": False, **{f"L{i + 1}.product": False for i in range(len(case.lines))}}
        s.no_match_ok = [False] * len(case.lines)
        s.misses.append(f"{case.id}: crashed")
        return s
    if report is None:
        product_free = all(not line.category for line in case.lines) and case.project is None
        s.fields["language"] = True
        for i, line in enumerate(case.lines):
            ok = not truth.servable(line, case)
            s.no_match_ok.append(ok)
            s.fields[f"L{i + 1}.product"] = product_free
        if not product_free:
            s.misses.append("refused a need the catalog can serve")
        return s
    ledger = report.ledger
    f = s.fields
    f["language"] = ledger.language == case.language
    f["destination"] = ledger.destination_country == case.destination
    f["supplier_countries"] = sorted(ledger.supplier_countries) == sorted(case.supplier_countries)
    f["exclude_countries"] = sorted(ledger.exclude_countries) == sorted(case.exclude_countries)
    f["lead_time"] = ledger.max_lead_time_days == case.max_lead_time_days
    f["verified_only"] = ledger.verified_only == case.verified_only
    got_budget = (ledger.budget_total, ledger.currency if ledger.budget_total else None)
    want_budget = (case.budget_total, case.budget_currency)
    f["budget"] = _close(got_budget[0], want_budget[0]) and got_budget[1] == want_budget[1]
    results = {r.line_id: r for r in report.lines}
    pairs = [(line, results.get(line.id)) for line in ledger.lines]
    cats = [_category_of(r, line, records) for line, r in pairs]
    if case.project is not None:
        have = {c for c in cats if c}
        f["project_lines"] = len(ledger.lines) >= case.project.lines_at_least and set(case.project.must_include) <= have
    elif any(line.category for line in case.lines):
        f["line_count"] = len(ledger.lines) == len(case.lines)
    used: set[int] = set()
    for i, want in enumerate(case.lines):
        k = next((j for j, c in enumerate(cats) if j not in used and c in want.category), None)
        if k is None and i < len(pairs) and i not in used and want.category:
            k = i
        if k is None and not want.category:
            k = next((j for j in range(len(pairs)) if j not in used), None)
        if k is not None:
            used.add(k)
        line, result = pairs[k] if k is not None else (None, None)
        name = f"L{i + 1}"
        adequate_opts = [o for o in (line_options(result) if result else []) if o.match >= ADEQUATE_MATCH]
        if want.category:
            f[f"{name}.product"] = cats[k] in want.category if k is not None else False
        else:
            f[f"{name}.product"] = not any(o.tier >= 75 for o in (result.options if result else []))
        if want.quantity is not None:
            f[f"{name}.quantity"] = line is not None and line.quantity == want.quantity
        if want.category or want.max_unit_price is not None:
            got = (line.max_unit_price, line.currency if line.max_unit_price else None) if line is not None else (None, None)
            f[f"{name}.price_cap"] = _close(got[0], want.max_unit_price) and got[1] == (want.currency if want.max_unit_price else None)
            f[f"{name}.certifications"] = line is not None and sorted(line.certifications) == sorted(want.certifications)
        # wrong products rated >= 75 %
        for o in adequate_opts:
            s.options_rated += 1
            product = records.get(o.product_id)
            cat = leaf(product.category) if isinstance(product, Product) else None
            if cat not in want.category:
                s.wrong_rated.append(f"{case.id} {o.offer_id} ({cat}) at {o.match:.0%} for {want.category or 'no product'}")
        # honest no_match, near misses
        servable = truth.servable(want, case)
        got_none = result is None or result.no_match
        s.no_match_ok.append(got_none == (not servable))
        if got_none != (not servable):
            s.misses.append(f"{case.id} {name}: no_match {got_none}, catalog truth {'servable' if servable else 'not servable'}")
        if want.category and not servable and truth.carries(want) and want.quantity is not None:
            binding = truth.binding(want, case)
            text = _line_text(report, result)
            words = [w for b in binding for w in (_BINDING_WORDS.get(b) or tuple(c.lower() for c in want.certifications))]
            s.near_miss.append(bool(words) and any(w in text for w in words))
    # hard constraints of options rated 100 %, on the records; landed cost on adequate options
    for line, result in pairs:
        for o in (result.options if result else []):
            if adequate(o):
                s.landed.append(getattr(o, "landed", None) is not None)
            if o.tier == 100:
                s.hard_checked += 1
                problems = check_option(o, line, ledger, records, truth.fx)
                if problems:
                    s.hard_failures.append(f"{case.id} {o.offer_id} rated 100%: {problems}")
    s.misses += [f"{case.id}: {k} wrong" for k, ok in f.items() if not ok]
    return s


def _close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - want) <= 1e-6 * max(1.0, abs(want))


def check_option(o: Option, line, ledger, records: dict, fx: dict[str, float]) -> list[str]:
    """An option rated 100 % re-checked on the catalog records, not the index."""
    offer, supplier = records.get(o.offer_id), records.get(o.supplier_id)
    if not isinstance(offer, Offer) or not isinstance(supplier, Supplier):
        return [f"{o.offer_id}: not in the catalog"]
    problems = []
    if offer.moq > line.quantity:
        problems.append(f"MOQ {offer.moq} > {line.quantity}")
    if line.max_unit_price is not None:
        at = offer.unit_price_at(line.quantity)
        p = None if at is None else convert(at, offer.currency, line.currency, fx)
        if p is None or p > line.max_unit_price * (1 + 1e-9):
            problems.append(f"price {p} > {line.max_unit_price}")
    held = {c.lower() for c in offer.certifications} | {c.lower() for c in supplier.certifications}
    problems += [f"lacks {c}" for c in line.certifications if c.lower() not in held]
    if ledger.supplier_countries and supplier.country not in ledger.supplier_countries:
        problems.append(f"country {supplier.country}")
    if supplier.country in ledger.exclude_countries:
        problems.append(f"excluded country {supplier.country}")
    if ledger.verified_only and not supplier.verified:
        problems.append("supplier not verified")
    return problems
