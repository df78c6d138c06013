"""The written report: summary, questions and risks from facts only, and a grounding check that can fail.

Prose is composed from the structured results (never free-written), and then checked against the
catalog itself: in every clause that cites one offer, a price must be that offer's tier price at the
line's quantity (or its line total, or the landed cost computed for it), a quantity or MOQ must be
the record's, and a supplier named must be that offer's supplier; every cited id must be a catalog
record. Numbers in clauses that cite no offer must come from the report's own figures. A violation
raises GroundingError: the run fails loudly rather than publish an invented price, id or supplier.
"""

from __future__ import annotations

import json
import re

from ..catalog.schemas import Offer, Supplier
from ..errors import TradewindsError
from ..trade import fx as fxrates
from .schemas import LineResult, Option, SourcingReport, Totals
from .score import adequate, convert

ID_RE = re.compile(r"\b(?:prd|sup|off)_[a-z0-9]{6,}\b")
NUM_RE = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")
MONEY_RE = re.compile(r"(?<![\w.])(\d+(?:,\d{3})*(?:\.\d+)?)\s?([A-Z]{3})\b")
_CLAUSE = re.compile(r"(?<=[.;])\s+(?=[A-Z0-9L])|;\s+")


class GroundingError(TradewindsError):
    code = "grounding_violation"

    def __init__(self, violations: list[str]) -> None:
        super().__init__(f"the report states {len(violations)} fact(s) the catalog does not support: {'; '.join(violations[:5])}",
                         hint="this is a bug or a misbehaving summary model; the report was not published")
        self.violations = violations


def _facts(report: SourcingReport) -> set[float]:
    data = report.model_dump(mode="json", exclude={"summary", "questions", "risks", "changes"})
    numbers: set[float] = set()

    def walk(v) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            numbers.add(float(len(v)))  # counts of lines, options, suppliers
            for x in v:
                walk(x)
        elif isinstance(v, bool):
            return
        elif isinstance(v, int | float):
            numbers.add(round(float(v), 2))
            if isinstance(v, float) and 0 <= v <= 1:
                numbers.add(round(v * 100, 0))  # shares shown as percentages
        elif isinstance(v, str):
            for n in NUM_RE.findall(v):
                numbers.add(round(float(n.replace(",", "")), 2))

    walk(data)
    numbers.add(float(sum(not r.no_match for r in report.lines)))  # "adequate offers found for N"
    numbers.update({50.0, 75.0, 100.0})  # the tier names
    return numbers


def _value(raw: str) -> float:
    return round(float(raw.replace(",", "")), 2)


def _offer_claims(clause: str, offer: Offer, supplier: Supplier | None, option: Option | None, quantity: int | None,
                  suppliers: dict[str, Supplier]) -> list[str]:
    """What a clause says about one offer, checked against its record."""
    out = []
    record_price = offer.unit_price_at(max(quantity or offer.moq, offer.moq))
    allowed = {offer.currency: {_value(f"{record_price:.2f}")} if record_price is not None else set()}
    if record_price is not None and quantity:
        allowed[offer.currency].add(_value(f"{record_price * quantity:.2f}"))
    if option is not None and option.landed is not None:
        allowed.setdefault(option.landed.currency, set()).update({_value(f"{option.landed.unit:.2f}"), _value(f"{option.landed.total:.2f}")})
    for raw, currency in MONEY_RE.findall(clause):
        if currency in allowed and _value(raw) not in allowed[currency]:
            out.append(f"{raw} {currency} beside {offer.id}, whose record gives "
                       + (f"{record_price:g} {offer.currency} at {quantity:,}" if record_price is not None else "no price at that quantity"))
        elif currency not in allowed:
            out.append(f"{raw} {currency} beside {offer.id}, which is priced in {offer.currency}")
    named = re.search(r"\bfrom (.+?) at\b", clause)
    if named and supplier is not None and named.group(1).strip() not in (supplier.name, supplier.id):
        out.append(f"supplier {named.group(1).strip()!r} named for {offer.id}, whose supplier is {supplier.name!r}")
    rest = clause.replace(supplier.name, " ") if supplier is not None else clause  # 'Crest Ltd.' is inside 'Crest Ltd. Şti.'
    for other in suppliers.values():
        if supplier is not None and other.name != supplier.name and len(other.name) > 6 and other.name in rest:
            out.append(f"supplier {other.name!r} named beside {offer.id}, whose supplier is {supplier.name!r}")
    return out


def grounding_violations(report: SourcingReport, records: dict) -> list[str]:
    """Every claim of the prose that the catalog records (``records``: by id) or the report's figures do not support."""
    numbers = _facts(report)
    suppliers = {k: v for k, v in records.items() if isinstance(v, Supplier)}
    where = {(r.line_id, o.offer_id): (o, r.quantity) for r in report.lines for o in [*r.options, *r.related]}
    anywhere = {offer_id: v for (_, offer_id), v in where.items()}
    out: list[str] = []
    for text in [report.summary, *report.questions, *report.risks]:
        for clause in _CLAUSE.split(text):
            ids = ID_RE.findall(clause)
            out += [f"id {i} is not a catalog record" for i in ids if i not in records]
            offers = list(dict.fromkeys(i for i in ids if isinstance(records.get(i), Offer)))  # one offer named twice is one
            if len(offers) == 1:
                offer = records[offers[0]]
                line_id = re.match(r"\s*(L\d+)\b", clause)  # one offer can be an option of two lines, at two quantities
                option, quantity = where.get((line_id.group(1), offer.id)) if line_id and (line_id.group(1), offer.id) in where \
                    else anywhere.get(offer.id, (None, None))
                supplier = records.get(offer.supplier_id)
                out += _offer_claims(clause, offer, supplier if isinstance(supplier, Supplier) else None, option, quantity, suppliers)
                continue
            for n in NUM_RE.findall(ID_RE.sub(" ", clause)):
                if _value(n) not in numbers:
                    out.append(f"number {n}")
    return out


def check_grounding(report: SourcingReport, records: dict) -> None:
    violations = grounding_violations(report, records)
    if violations:
        raise GroundingError(violations)


def money(amount: float | None, currency: str) -> str:
    return "-" if amount is None else f"{amount:,.2f} {currency}"


def compute_totals(report_lines: list[LineResult], currency: str, budget: float | None, fx: dict[str, float]) -> Totals:
    total, landed, priced, missing, rates = 0.0, 0.0, 0, [], set()
    for r in report_lines:
        best = next((o for o in r.options if adequate(o) and o.total is not None), None)
        converted = convert(best.total, best.currency, currency, fx) if best else None
        if converted is None:
            missing.append(r.line_id)
            continue
        total += converted
        if best.currency != currency:
            rates.add(best.currency)
        if best.landed is not None:
            value = convert(best.landed.total, best.landed.currency, currency, fx)
            landed += value or 0.0
            if best.landed.currency != currency:
                rates.add(best.landed.currency)
        priced += 1
    best_total = round(total, 2) if priced else None
    landed_total = round(landed, 2) if priced and landed else None
    basis = landed_total or best_total
    return Totals(currency=currency, best_total=best_total, landed_total=landed_total, budget_total=budget, lines_priced=priced,
                  lines_missing=missing, within_budget=None if budget is None or basis is None else basis <= budget,
                  budget_used=None if budget is None or basis is None else round(basis / budget, 4),
                  exchange_rates=[info.describe() for c in sorted(rates | {currency}) if c != "USD"
                                  and (info := fxrates.rate_info(c, fx)) is not None])


def compose(report: SourcingReport) -> None:
    """Fill summary, questions and risks from the structured results (then checked by check_grounding)."""
    ledger, t = report.ledger, report.totals
    found = [r for r in report.lines if not r.no_match]
    parts = [f"{len(ledger.lines)} line(s) to source; adequate offers found for {len(found)}."]
    if t.best_total is not None:
        basis = (f"{money(t.landed_total, t.currency)} landed at {ledger.destination_country} ({money(t.best_total, t.currency)} for the goods)"
                 if t.landed_total is not None else money(t.best_total, t.currency))
        parts.append(f"Best adequate options total {basis} for {t.lines_priced} priced line(s)")
        if t.budget_total is not None:
            used = f"{t.budget_used:.0%} of the budget of {money(t.budget_total, t.currency)}"
            parts[-1] += f", {used}." if t.within_budget else f", over the budget of {money(t.budget_total, t.currency)}."
        else:
            parts[-1] += "."
    for r in report.lines:
        if r.options and not r.no_match:
            o = r.options[0]
            landed = f", landed {money(o.landed.unit, o.landed.currency)} per unit" if o.landed is not None else ""
            parts.append(f"{r.line_id} {r.name}: best {o.offer_id} from {o.supplier_name or o.supplier_id} at "
                         f"{money(o.unit_price, o.currency)} per unit{landed}, match {o.match:.0%}.")
        else:
            parts.append(f"{r.line_id} {r.name}: no adequate offer in the catalog.")
    report.summary = " ".join(parts)
    questions, seen = [], set()
    for r in report.lines:
        for o in r.options[:3]:
            for c in o.requirements:
                if c.status == "unknown":
                    q = f"Ask {o.supplier_name or o.supplier_id} about {c.requirement} for {o.offer_id} ({c.evidence})."
                    if (o.offer_id, c.requirement) not in seen:
                        seen.add((o.offer_id, c.requirement))
                        questions.append(q)
    report.questions = questions[:30]
    report.risks = _risks(report)


def _risks(report: SourcingReport) -> list[str]:
    ledger, t = report.ledger, report.totals
    risks = []
    for r in report.lines:
        if r.no_match:
            risks.append(f"{r.line_id} {r.name}: nothing adequate in the catalog; " + ("; ".join(r.missing) or "widen the constraints"))
        elif len({o.supplier_id for o in r.options if adequate(o)}) == 1:
            risks.append(f"{r.line_id} {r.name}: a single adequate supplier (no fallback).")
        if r.relaxed:
            risks.append(f"{r.line_id} {r.name}: relaxed {', '.join(r.relaxed)} to find candidates.")
    if t.within_budget is False:
        risks.append(f"Over budget: {money(t.landed_total or t.best_total, t.currency)} against {money(t.budget_total, t.currency)}.")
    elif t.budget_used is not None and t.budget_used < 0.5:
        left = [f"{r.line_id} {r.name}" for r in report.lines if r.no_match]
        risks.append(f"The plan uses {t.budget_used:.0%} of the budget"
                     + (f"; left out for lack of an adequate offer: {', '.join(left)}" if left else "")
                     + "; the rest of the budget is unallocated (add lines or raise quantities in a follow-up).")
    if report.stats.meaning_coverage < 1.0:
        risks.append(f"Searched by meaning over {report.stats.meaning_coverage:.0%} of the catalog's products (their vectors are still "
                     "being computed in the background); the rest were found by keywords only. Run again once `tradewinds catalog "
                     "stats` shows every product embedded for full hybrid search.")
    if t.exchange_rates:
        risks.append("Exchange rates used: " + "; ".join(t.exchange_rates) + ".")
    if ledger.destination_country and t.landed_total is not None:
        risks.append(f"Landed costs at {ledger.destination_country} are estimates (freight indices, MFN duty averages); "
                     "VAT/GST and origin-specific tariffs are not included.")
    return risks


def citations(report: SourcingReport) -> list[str]:
    out: list[str] = []
    for r in report.lines:
        for o in [*r.options, *r.related]:
            out += [o.offer_id, o.product_id, o.supplier_id]
        for n in r.near_misses:
            out += n.offer_ids
    out += [s.supplier_id for s in report.shortlist]
    return list(dict.fromkeys(out))


def to_json(report: SourcingReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
