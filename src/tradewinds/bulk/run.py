"""A bulk job: sheet -> column mapping -> lines -> offers per line (+ HS code) -> consolidated supplier plan.

Per line the sourcing loop's search rounds and per-requirement scoring run without a model
call (500 lines must fit in a minute on 2 cores); product names come from the cells, through
the product lexicon for other languages. The HS 2022 code of a line is the most common code
among its best-scoring candidates. Consolidation is a MIP (consolidate.py).
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from ..catalog.reference import hs_codes
from ..sourcing.run import Budgets, Sourcer
from ..sourcing.schemas import Ledger, Option, RunStats, Spec, StepEvent
from ..sourcing.score import adequate, convert
from .columns import ColumnMapping, detect
from .consolidate import Candidate, SolverReport, Strategy, cheapest_per_line, fewest_suppliers, optimise
from .lines import BulkLine, to_lines
from .reader import Limits, read_sheet


class PlanOptions(BaseModel):
    currency: str = Field("USD", description="Currency of the plan's totals (and of prices without one)")
    fixed_cost_per_supplier: float = Field(150.0, ge=0, description="Shipping/handling paid once per supplier used")
    lead_time_penalty_per_day: float = Field(0.0, ge=0, description="Added to a line's cost per day of lead time")
    max_suppliers: int | None = Field(None, ge=1)
    budget_total: float | None = Field(None, gt=0)
    exclude_countries: list[str] = Field(default_factory=list)
    time_limit_s: float = Field(10.0, gt=0, le=600, description="Solver time limit")
    options_per_line: int = Field(5, ge=1, le=20)


class BulkLineResult(BaseModel):
    row: int
    ref: str | None = None
    text: str
    line_id: str
    name: str
    quantity: int
    unit: str | None = None
    max_unit_price: float | None = None
    currency: str
    certifications: list[str] = Field(default_factory=list)
    specs: list[Spec] = Field(default_factory=list, description="Read from the item and notes cells: 9W, E27, 350 ml, stainless steel")
    hs_code: str | None = Field(None, description="HS 2022 code of the best candidates (6 digits)")
    hs_description: str | None = None
    category: str | None = None
    options: list[Option] = Field(default_factory=list)
    no_match: bool
    missing: list[str] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list, description="What was assumed reading the row")
    chosen_offer_id: str | None = None
    flagged: str | None = Field(None, description="Why the line has no offer in the plan")


class BulkPlan(BaseModel):
    job_id: str
    file: str
    sheet: str
    mapping: ColumnMapping
    options: PlanOptions
    lines: list[BulkLineResult]
    skipped_rows: list[str] = Field(default_factory=list)
    optimised: Strategy
    baselines: list[Strategy]
    solver: SolverReport
    notes: list[str] = Field(default_factory=list)
    elapsed_s: float = 0.0

    def saving_vs(self, baseline: Strategy) -> float | None:
        return None if not baseline.total_cost else round(1 - self.optimised.total_cost / baseline.total_cost, 4)


Emit = Callable[[StepEvent], None]


def classify(options: list[Option], hits_hs: dict[str, tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """(hs code, category): the most common among the adequate options, else among those that are at
    least partly the product; None when no candidate is (a guess would be a wrong customs code)."""
    pool = [o for o in options if adequate(o)] or [o for o in options if any(c.kind == "product" and c.status != "fails"
                                                                             for c in o.requirements)]
    codes = Counter(hits_hs.get(o.offer_id, (None, None))[0] for o in pool)
    codes.pop(None, None)
    if not codes:
        return None, None
    code = codes.most_common(1)[0][0]
    category = next((hits_hs[o.offer_id][1] for o in pool if hits_hs.get(o.offer_id, (None,))[0] == code), None)
    return code, category


def spec_failures(option: Option) -> list[str]:
    return [c.requirement for c in option.requirements if c.kind == "spec" and c.status == "fails"]


def meeting_specs(options: list[Option]) -> list[Option]:
    """The options whose record contradicts none of the line's specs (9 W asked, 12 W offered), when
    there is one; otherwise all of them (the buyer still gets the closest, with the mismatch shown)."""
    return [o for o in options if not spec_failures(o)] or options


class BulkPlanner:
    def __init__(self, sourcer: Sourcer, fx_rates: dict[str, float], limits: Limits | None = None) -> None:
        self.sourcer, self.fx, self.limits = sourcer, fx_rates, limits or Limits()

    def read(self, path: Path, overrides: dict[str, str] | None = None, sheet_name: str | None = None, tie_breaker=None):
        sheet = read_sheet(path, self.limits, sheet=sheet_name)
        return sheet, detect(sheet, overrides, tie_breaker)

    def plan(self, path: Path, options: PlanOptions | None = None, *, overrides: dict[str, str] | None = None,
             sheet_name: str | None = None, emit: Emit | None = None, mapping: ColumnMapping | None = None,
             job_id: str | None = None) -> BulkPlan:
        options = options or PlanOptions()
        emit = emit or (lambda e: None)
        started = time.perf_counter()
        sheet, detected = self.read(path, overrides, sheet_name)
        mapping = mapping or detected
        lines, skipped = to_lines(sheet, mapping, default_currency=options.currency)
        emit(StepEvent(step="plan", message=f"{len(lines)} line(s) read; columns {mapping.describe()}", total=len(lines),
                       data={"mapping": mapping.model_dump(mode="json"), "notes": sheet.notes}))
        ledger = Ledger(need=f"bulk sheet {path.name}", lines=[], currency=options.currency, exclude_countries=options.exclude_countries)
        stats = RunStats()
        self.sourcer.budgets = Budgets(max_rounds=2, min_adequate=options.options_per_line, options_per_line=options.options_per_line,
                                       candidates_per_query=15, wall_time_s=10**9)
        results = []
        for i, bl in enumerate(lines, 1):
            results.append(self._line(bl, ledger, stats))
            emit(StepEvent(step="line_done", message=f"row {bl.row} {bl.line.name[:40]}: "
                           + ("no adequate offer" if results[-1].no_match else f"{sum(adequate(o) for o in results[-1].options)} adequate"),
                           line_id=bl.line.id, done=i, total=len(lines)))
        emit(StepEvent(step="report", message="choosing one offer per line (HiGHS)"))
        plan = self._consolidate(path, sheet.name, mapping, options, results, skipped, job_id or "bulk_" + secrets.token_hex(6))
        plan.notes = sheet.notes + [f"columns: {mapping.describe()}"]
        plan.elapsed_s = round(time.perf_counter() - started, 2)
        emit(StepEvent(step="done", message=f"plan {plan.job_id}: {plan.optimised.lines_assigned}/{len(results)} lines, "
                       f"{plan.optimised.suppliers} supplier(s)", data={"job_id": plan.job_id}))
        return plan

    def _line(self, bl: BulkLine, ledger: Ledger, stats: RunStats) -> BulkLineResult:
        result = self.sourcer.source_line(bl.line, ledger, stats, time.perf_counter())
        products = self.sourcer.repo.get_many([o.product_id for o in result.options])
        hits_hs = {o.offer_id: (p.hs_code, p.category) for o in result.options if (p := products.get(o.product_id)) is not None}
        code, category = classify(result.options, hits_hs)
        line = bl.line
        return BulkLineResult(row=bl.row, ref=bl.ref, text=bl.text, line_id=line.id, name=line.name, quantity=line.quantity, unit=bl.unit,
                              max_unit_price=line.max_unit_price, currency=line.currency, certifications=line.certifications, specs=line.specs,
                              hs_code=code, hs_description=hs_codes().get(code).description if code in hs_codes() else None,
                              category=category, options=result.options, no_match=result.no_match, missing=result.missing,
                              issues=bl.issues)

    def _consolidate(self, path: Path, sheet: str, mapping: ColumnMapping, options: PlanOptions, results: list[BulkLineResult],
                     skipped: list[str], job_id: str) -> BulkPlan:
        candidates: dict[str, list[Candidate]] = {}
        for r in results:
            cs = []
            for o in meeting_specs([o for o in r.options if adequate(o)]):
                cost = None if o.total is None else convert(o.total, o.currency, options.currency, self.fx)
                if cost is not None:
                    cs.append(Candidate(o.offer_id, o.supplier_id, cost + options.lead_time_penalty_per_day * (o.lead_time_days or 0)))
            candidates[r.line_id] = cs
        best, solver = optimise(candidates, options.fixed_cost_per_supplier, max_suppliers=options.max_suppliers,
                                budget=options.budget_total, time_limit_s=options.time_limit_s)
        for r in results:
            r.chosen_offer_id = best.choice.get(r.line_id)
            if r.chosen_offer_id is None:
                r.flagged = ("no adequate offer in the catalog" if not candidates[r.line_id]
                             else "left out to respect the supplier or budget cap")
        baselines = [cheapest_per_line(candidates, options.fixed_cost_per_supplier),
                     fewest_suppliers(candidates, options.fixed_cost_per_supplier, options.time_limit_s)]
        return BulkPlan(job_id=job_id, file=path.name, sheet=sheet, mapping=mapping, options=options,
                        lines=results, skipped_rows=skipped, optimised=best, baselines=baselines, solver=solver)
