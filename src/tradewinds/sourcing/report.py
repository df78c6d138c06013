"""The written report: summary, questions and risks from facts only, and a grounding check.

Prose is composed from the structured results (never free-written), and then checked anyway:
every catalog id and every number in the prose must exist in the evidence (the ledger, the
options, the totals). A violation raises GroundingError: the run fails loudly rather than
publish an invented price or id.
"""

from __future__ import annotations

import json
import re

from ..errors import TradewindsError
from .schemas import LineResult, SourcingReport, Totals
from .score import adequate, convert

ID_RE = re.compile(r"\b(?:prd|sup|off)_[a-z0-9]{6,}\b")
NUM_RE = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")


class GroundingError(TradewindsError):
    code = "grounding_violation"

    def __init__(self, violations: list[str]) -> None:
        super().__init__(f"the report mentions {len(violations)} fact(s) not in the evidence: {'; '.join(violations[:5])}",
                         hint="this is a bug or a misbehaving summary model; the report was not published")
        self.violations = violations


def _facts(report: SourcingReport) -> tuple[set[str], set[float]]:
    data = report.model_dump(mode="json", exclude={"summary", "questions", "risks", "changes"})
    ids, numbers = set(), set()

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
                numbers.add(round(v * 100, 0))  # match shares shown as percentages
        elif isinstance(v, str):
            ids.update(ID_RE.findall(v))
            for n in NUM_RE.findall(v):
                numbers.add(round(float(n.replace(",", "")), 2))

    walk(data)
    numbers.add(float(sum(not r.no_match for r in report.lines)))  # "adequate offers found for N"
    numbers.update({50.0, 75.0, 100.0})  # the tier names
    return ids, numbers


def grounding_violations(report: SourcingReport, prose: str) -> list[str]:
    ids, numbers = _facts(report)
    out = [f"id {i}" for i in ID_RE.findall(prose) if i not in ids]
    for n in NUM_RE.findall(prose):
        value = round(float(n.replace(",", "")), 2)
        if value not in numbers:
            out.append(f"number {n}")
    return out


def check_grounding(report: SourcingReport) -> None:
    prose = "\n".join([report.summary, *report.questions, *report.risks])
    violations = grounding_violations(report, prose)
    if violations:
        raise GroundingError(violations)


def money(amount: float | None, currency: str) -> str:
    return "-" if amount is None else f"{amount:,.2f} {currency}"


def compute_totals(report_lines: list[LineResult], currency: str, budget: float | None, fx: dict[str, float]) -> Totals:
    total, priced, missing = 0.0, 0, []
    for r in report_lines:
        best = next((o for o in r.options if adequate(o) and o.total is not None), None)
        converted = convert(best.total, best.currency, currency, fx) if best else None
        if converted is None:
            missing.append(r.line_id)
            continue
        total += converted
        priced += 1
    best_total = round(total, 2) if priced else None
    return Totals(currency=currency, best_total=best_total, budget_total=budget, lines_priced=priced, lines_missing=missing,
                  within_budget=None if budget is None or best_total is None else best_total <= budget)


def compose(report: SourcingReport) -> None:
    """Fill summary, questions and risks from the structured results (grounded by construction)."""
    ledger, t = report.ledger, report.totals
    found = [r for r in report.lines if not r.no_match]
    parts = [f"{len(ledger.lines)} line(s) to source; adequate offers found for {len(found)}."]
    if t.best_total is not None:
        parts.append(f"Best adequate options total {money(t.best_total, t.currency)} for {t.lines_priced} priced line(s)")
        if t.budget_total is not None:
            parts[-1] += (f", within the budget of {money(t.budget_total, t.currency)}." if t.within_budget
                          else f", over the budget of {money(t.budget_total, t.currency)}.")
        else:
            parts[-1] += "."
    for r in report.lines:
        if r.options and not r.no_match:
            o = r.options[0]
            parts.append(f"{r.line_id} {r.name}: best {o.offer_id} from {o.supplier_name or o.supplier_id} at "
                         f"{money(o.unit_price, o.currency)} per unit, match {o.match:.0%}.")
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
    risks = []
    for r in report.lines:
        if r.no_match:
            risks.append(f"{r.line_id} {r.name}: nothing adequate in the catalog; " + ("; ".join(r.missing) or "widen the constraints"))
        elif len({o.supplier_id for o in r.options if adequate(o)}) == 1:
            risks.append(f"{r.line_id} {r.name}: a single adequate supplier (no fallback).")
        if r.relaxed:
            risks.append(f"{r.line_id} {r.name}: relaxed {', '.join(r.relaxed)} to find candidates.")
    if t.within_budget is False:
        risks.append(f"Over budget: {money(t.best_total, t.currency)} against {money(t.budget_total, t.currency)}.")
    if ledger.destination_country:
        risks.append(f"Import duties, certification and labelling rules for {ledger.destination_country} are not checked here.")
    report.risks = risks


def citations(report: SourcingReport) -> list[str]:
    out: list[str] = []
    for r in report.lines:
        for o in r.options:
            out += [o.offer_id, o.product_id, o.supplier_id]
    out += [s.supplier_id for s in report.shortlist]
    return list(dict.fromkeys(out))


def to_json(report: SourcingReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
