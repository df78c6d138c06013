"""The sourcing loop: understand -> plan -> search rounds -> score -> rank suppliers -> report.

Per line, round 1 runs the planned queries with every hard constraint as a search filter.
Lines with fewer than ``min_adequate`` adequate options get further rounds: broader queries
(head noun, the catalog category of the best candidates), then soft constraints relaxed
(Incoterm, lead time, specs are only scored). Hard ones (MOQ <= quantity, price cap,
certifications, supplier countries, verified) are never relaxed. Rounds, model calls and wall
time are budgeted; when one runs out the report is partial and says what is missing.

State is saved after every line (``<data_dir>/sourcing/<run_id>.json``), so a run resumes
where it stopped and a follow-up re-runs only the lines whose requirements changed.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from ..files import atomic_write
from ..catalog.repository import CatalogRepository
from ..catalog.schemas import Product, Supplier
from ..errors import BadInputError, NotFoundError
from ..models.gateway import Gateway
from ..search.schemas import SearchFilters, SearchHit, SearchRequest
from ..search.service import ProductSearch
from ..trade import fx as fxrates
from .followup import apply_followup
from .kinds import CatalogKinds
from .nearmiss import near_misses
from .report import check_grounding, citations, compose, compute_totals
from .schemas import Ledger, LedgerLine, LineResult, Option, RunStats, SourcingReport, StepEvent
from ..trade.landed import landed_cost
from .score import adequate, convert, score_offer
from .suppliers import SupplierWeights, rank_suppliers
from .understand import name_line, resolve_kind, understand

Emit = Callable[[StepEvent], None]


def _rank_key(o: Option, line: LedgerLine, fx: dict[str, float]) -> tuple:
    """Adequate options first, ranked on landed cost at the destination when there is one (else unit price
    converted); then the rest by match."""
    if o.landed is not None:
        cost = o.landed.unit
    elif o.unit_price is not None:
        cost = convert(o.unit_price, o.currency, line.currency, fx) or float("inf")
    else:
        cost = float("inf")
    good = adequate(o)
    return (not good, not o.same_product, cost if good else -o.match, -o.match if good else cost)


class Budgets(BaseModel):
    max_rounds: int = Field(3, ge=1, le=10)
    max_model_calls: int = Field(20, ge=0)
    wall_time_s: float = Field(120.0, gt=0)
    min_adequate: int = Field(3, ge=1, description="Adequate options per line before searching stops")
    options_per_line: int = Field(5, ge=1, le=50)
    related_per_line: int = Field(3, ge=0, le=20, description="Related products (another kind) shown apart per line")
    candidates_per_query: int = Field(20, ge=1, le=200)


class RunState(BaseModel):
    run_id: str
    ledger: Ledger
    results: dict[str, LineResult] = Field(default_factory=dict, description="Finished lines by line id")
    line_keys: dict[str, str] = Field(default_factory=dict, description="Requirement fingerprint each result was computed for")
    report: SourcingReport | None = None
    history: list[str] = Field(default_factory=list, description="Needs and follow-ups, in order")
    weights: SupplierWeights = Field(default_factory=SupplierWeights, description="The buyer's supplier ranking weights")
    planning_calls: int = Field(0, description="Model calls the understand step made (counted when the run executes)")


class LineEdit(BaseModel):
    id: str | None = Field(None, description="An existing line id (L1...); empty adds a line")
    name: str = Field(min_length=2, max_length=120)
    quantity: int = Field(ge=1, le=100_000_000)
    max_unit_price: float | None = Field(None, gt=0)


class PlanEdit(BaseModel):
    """The lines to keep, in order; a planned line not listed is dropped."""

    lines: list[LineEdit] = Field(min_length=1, max_length=50)


RUN_ID = re.compile(r"run_[0-9a-f]{12}")


class RunStore:
    """One JSON file per run under ``<data_dir>/workspaces/<id>/sourcing``: written atomically after every line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def save(self, state: RunState) -> None:
        atomic_write(self.root / f"{state.run_id}.json", state.model_dump_json())

    def load(self, run_id: str) -> RunState:
        # an id is checked before it becomes a file name: a long or odd one is not found, never an OS error
        path = self.root / f"{run_id}.json" if RUN_ID.fullmatch(run_id) else None
        if path is None or not path.is_file():
            raise NotFoundError(f"no sourcing run {run_id[:40]!r}", hint="run ids look like run_0123456789ab; start one with "
                                                                          "POST /v1/sourcing/runs or `tradewinds source`")
        return RunState.model_validate_json(path.read_text(encoding="utf-8"))


def line_key(line: LedgerLine, ledger: Ledger) -> str:
    """What a line's result depends on: the line itself and the ledger-wide constraints."""
    shared = ledger.model_dump_json(include={"supplier_countries", "exclude_countries", "incoterm", "max_lead_time_days", "verified_only"})
    return line.model_dump_json() + shared


class Sourcer:
    def __init__(self, repo: CatalogRepository, search: ProductSearch, gateway: Gateway | None, *, fx_rates: dict[str, float],
                 store: RunStore, budgets: Budgets | None = None) -> None:
        self.repo, self.search, self.gateway, self.fx = repo, search, gateway, fx_rates
        self.store, self.budgets = store, budgets or Budgets()
        self._kinds: tuple[dict[str, int], CatalogKinds] | None = None

    def kinds(self) -> CatalogKinds:
        """The catalog's product kinds, rebuilt when the catalog's size changes (an import)."""
        counts = self.repo.counts()
        if self._kinds is None or self._kinds[0] != counts:
            self._kinds = (counts, CatalogKinds.from_repo(self.repo))
        return self._kinds[1]

    def _check_currencies(self, ledger: Ledger) -> None:
        for where, code in [("the budget", ledger.currency)] + [(f"{x.id} {x.name}'s price cap", x.currency) for x in ledger.lines
                                                                  if x.max_unit_price is not None]:
            fxrates.require(code, self.fx, where=where)

    # -- entry points -----------------------------------------------------------------
    def plan(self, need: str, *, quantity_scale: float = 1.0, weights: SupplierWeights | None = None) -> tuple[RunState, int]:
        # the model-call budget: none left means the extractors, lexicon and templates alone read the need
        gateway = self.gateway if self.budgets.max_model_calls > 0 else None
        ledger, calls = understand(need, gateway, kinds=self.kinds(), quantity_scale=quantity_scale)
        if gateway is None and self.gateway is not None:
            ledger.notes.append("model-call budget 0: read without the model")
        self._check_currencies(ledger)
        state = RunState(run_id="run_" + secrets.token_hex(6), ledger=ledger, history=[need], weights=weights or SupplierWeights(),
                         planning_calls=calls)
        self.store.save(state)
        return state, calls

    def edit_plan(self, run_id: str, edit: PlanEdit) -> RunState:
        """The buyer's edits to a planned ledger (names, quantities, price caps; lines added or dropped)."""
        state = self.store.load(run_id)
        old = {line.id: line for line in state.ledger.lines}
        unknown = [e.id for e in edit.lines if e.id and e.id not in old]
        if unknown:
            raise BadInputError(f"run {run_id} has no line(s) {', '.join(unknown)}", hint=f"edit lines {', '.join(old) or '(none)'}, or leave id empty to add one")
        next_id = max((int(i[1:]) for i in old if i[1:].isdigit()), default=0) + 1
        lines = []
        for e in edit.lines:
            base = old.get(e.id) if e.id else None
            if base is None:
                base, next_id = LedgerLine(id=f"L{next_id}", name=e.name, quantity=e.quantity, currency=state.ledger.currency), next_id + 1
            changed_qty = e.quantity != base.quantity
            line = base.model_copy(update={"name": e.name, "quantity": e.quantity, "max_unit_price": e.max_unit_price,
                                           "quantity_stated": base.quantity_stated or changed_qty,  # typed by the buyer
                                           "quantity_formula": None if changed_qty else base.quantity_formula})
            if line.name != base.name or not line.queries:
                name_line(line, self.kinds())
            lines.append(LedgerLine.model_validate(line.model_dump()))
        state.ledger = state.ledger.model_copy(update={"lines": lines})
        state.history.append("plan edited: " + ", ".join(f"{x.id} {x.name} x{x.quantity}" for x in lines))
        self.store.save(state)
        return state

    def source(self, need: str, *, quantity_scale: float = 1.0, weights: SupplierWeights | None = None,
               emit: Emit | None = None) -> SourcingReport:
        emit = emit or (lambda e: None)
        started = time.perf_counter()
        emit(StepEvent(step="understand", message="reading the need"))
        state, calls = self.plan(need, quantity_scale=quantity_scale, weights=weights)
        emit(StepEvent(step="plan", message=f"{len(state.ledger.lines)} line(s) planned", total=len(state.ledger.lines),
                       data={"run_id": state.run_id, "ledger": state.ledger.model_dump(mode="json")}))
        return self.execute(state, emit=emit, started=started, model_calls=calls)

    def execute(self, state: RunState, *, emit: Emit | None = None, started: float | None = None, model_calls: int = 0,
                changes: list[str] | None = None) -> SourcingReport:
        """Run (or resume) every line whose result is missing or stale, then write the report."""
        emit = emit or (lambda e: None)
        started = started or time.perf_counter()
        backend = getattr(self.search, "backend", None)
        stats = RunStats(model_calls=model_calls, meaning_coverage=round(backend.vector_coverage(), 3) if backend else 1.0)
        lines = state.ledger.lines
        for i, line in enumerate(lines, 1):
            key = line_key(line, state.ledger)
            if state.results.get(line.id) and state.line_keys.get(line.id) == key:
                continue
            if time.perf_counter() - started > self.budgets.wall_time_s:
                stats.partial = True
                emit(StepEvent(step="search", message=f"wall-time budget spent; {line.id} not searched", line_id=line.id))
                continue
            emit(StepEvent(step="search", message=f"{line.id} {line.name}: searching", line_id=line.id, done=i - 1, total=len(lines)))
            result = self.source_line(line, state.ledger, stats, started)
            state.results[line.id] = result
            state.line_keys[line.id] = key
            self.store.save(state)
            if stats.first_result_s is None:
                stats.first_result_s = round(time.perf_counter() - started, 3)
            emit(StepEvent(step="line_done", message=f"{line.id} {line.name}: {sum(adequate(o) for o in result.options)} adequate option(s)",
                           line_id=line.id, done=i, total=len(lines), data=result.model_dump(mode="json")))
        known = {line.id for line in lines}
        state.results = {k: v for k, v in state.results.items() if k in known}
        emit(StepEvent(step="report", message="ranking suppliers and writing the report"))
        report = self._report(state, stats, changes or [])
        stats.total_s = round(time.perf_counter() - started, 3)
        report.stats = stats
        state.report = report
        self.store.save(state)
        emit(StepEvent(step="done", message=f"report {state.run_id} ready", data={"run_id": state.run_id}))
        return report

    def follow_up(self, run_id: str, message: str, *, emit: Emit | None = None) -> SourcingReport:
        """Edit the session's ledger with a follow-up message and re-run only what changed."""
        state = self.store.load(run_id)
        ledger, changes = apply_followup(state.ledger, message, state.report)
        self._check_currencies(ledger)
        state.ledger = ledger
        state.history.append(message)
        self.store.save(state)
        if emit:
            emit(StepEvent(step="plan", message="; ".join(changes), total=len(ledger.lines),
                           data={"run_id": run_id, "ledger": ledger.model_dump(mode="json")}))
        return self.execute(state, emit=emit, changes=changes)

    # -- one line ---------------------------------------------------------------------
    def _filters(self, line: LedgerLine, ledger: Ledger, *, soft: bool, kind_only: bool = True) -> SearchFilters:
        """Hard constraints always; the line's HS code when its kind has one (candidates of that kind only)."""
        hs = line.hs_codes[0] if kind_only and len(line.hs_codes) == 1 else None
        return SearchFilters(quantity=line.quantity, max_unit_price=line.max_unit_price, currency=line.currency,
                             certifications=line.certifications, countries=ledger.supplier_countries,
                             exclude_countries=ledger.exclude_countries, verified_only=ledger.verified_only,
                             max_lead_time_days=ledger.max_lead_time_days if soft else None,
                             incoterms=[ledger.incoterm] if soft and ledger.incoterm else [], hs_prefix=hs)

    def source_line(self, line: LedgerLine, ledger: Ledger, stats: RunStats, started: float) -> LineResult:
        b = self.budgets
        if line.kind_note is None:  # a line from a follow-up, a plan edit or a sheet: what counts as this product here
            resolve_kind(line, self.kinds(), ledger.language)
        result = LineResult(line_id=line.id, name=line.name, quantity=line.quantity, no_match=True)
        hits: dict[str, SearchHit] = {}
        queries = list(line.queries or [line.name])
        soft = True
        for round_no in range(1, b.max_rounds + 1):
            result.rounds = round_no
            stats.rounds = max(stats.rounds, round_no)
            filters = self._filters(line, ledger, soft=soft)
            for q in queries:
                if q in result.queries_run and round_no > 1 and soft:
                    continue
                response = self.search.search(SearchRequest(text=q[:2000], filters=filters, limit=b.candidates_per_query, facets=round_no == 1))
                stats.search_calls += 1
                result.queries_run.append(q)
                for h in response.hits:
                    hits.setdefault(h.offer_id, h)
                if round_no == 1 and response.facets.get("category"):
                    top = response.facets["category"][0].value
                    category_term = top.split(">")[-1].strip()
                    if category_term and category_term not in queries:
                        queries.append(category_term)
            options = self._score(line, ledger, hits)
            result.options = options[:b.options_per_line]
            good = sum(adequate(o) for o in options)
            if good >= b.min_adequate or time.perf_counter() - started > b.wall_time_s:
                break
            # next round: broader words first, then relax the soft constraints
            head = " ".join(line.name.split()[-1:])
            new = [q for q in (head, *queries) if q not in result.queries_run]
            if new:
                queries = new
            elif soft and (ledger.incoterm or ledger.max_lead_time_days is not None):
                soft = False
                result.relaxed = [name for name, on in (("Incoterm", ledger.incoterm), ("lead time", ledger.max_lead_time_days is not None)) if on]
                queries = list(dict.fromkeys(result.queries_run))
            else:
                break
        result.options = [o for o in options if o.same_product][:b.options_per_line]
        # related: other products of the same category, or, when the catalog has none of this kind, others that share a word
        words = {w.lower().rstrip("s") for w in line.name.split() if len(w) > 2}
        result.related = [o for o in options if not o.same_product and (o.tier == 50 or (not line.categories and words
                          & {w.lower().rstrip("s") for w in o.title.split()}))][:b.related_per_line]
        result.no_match = not any(adequate(o) for o in result.options)
        if result.no_match:
            result.near_misses = near_misses(line, ledger, self.repo, self.fx)
            result.missing = self._why_missing(line, result)
        return result

    def _score(self, line: LedgerLine, ledger: Ledger, hits: dict[str, SearchHit]) -> list[Option]:
        records = self.repo.get_many([h.product_id for h in hits.values()] + [h.supplier_id for h in hits.values()])
        options = []
        for h in hits.values():
            product = records.get(h.product_id)
            supplier = records.get(h.supplier_id)
            option = score_offer(line, ledger, h, product if isinstance(product, Product) else None,
                                 supplier if isinstance(supplier, Supplier) else None, self.fx)
            if ledger.destination_country and h.unit_price is not None:
                option.landed = landed_cost(unit_price=h.unit_price, price_currency=h.currency, quantity=line.quantity,
                                            hs=(product.hs_code if isinstance(product, Product) else None) or h.hs_code,
                                            origin=h.supplier_country, destination=ledger.destination_country,
                                            incoterm=h.incoterm, currency=line.currency, fx=self.fx)
            options.append(option)
        options.sort(key=lambda o: _rank_key(o, line, self.fx))
        return options

    def _why_missing(self, line: LedgerLine, result: LineResult) -> list[str]:
        what = line.concept or line.name
        if not line.categories:
            related = ", ".join(f"{o.title} ({o.offer_id})" for o in result.related[:2])
            return [(line.kind_note or f"the catalog carries no {what}") + (f"; related products, shown apart: {related}" if related else "")]
        if result.near_misses:
            return [n.message + f" ({n.admit})" for n in result.near_misses]
        if not result.options:
            return [f"no offer of {what} was found with these constraints"]
        best = result.options[0]
        return [f"closest option {best.offer_id} matches {best.match:.0%}: "
                + "; ".join(f"{c.requirement} {c.status}" for c in best.requirements if c.status != "met")]

    def _report(self, state: RunState, stats: RunStats, changes: list[str]) -> SourcingReport:
        lines = [state.results[line.id] for line in state.ledger.lines if line.id in state.results]
        missing = [line.id for line in state.ledger.lines if line.id not in state.results]
        if missing:
            stats.partial = True
        supplier_ids = {o.supplier_id for r in lines for o in r.options}
        suppliers = {k: v for k, v in self.repo.get_many(supplier_ids).items() if isinstance(v, Supplier)}
        report = SourcingReport(run_id=state.run_id, ledger=state.ledger, lines=lines,
                                totals=compute_totals(lines, state.ledger.currency, state.ledger.budget_total, self.fx),
                                shortlist=rank_suppliers(lines, suppliers, state.weights), changes=changes, stats=stats)
        report.totals.lines_missing += missing
        report.citations = citations(report)
        compose(report)
        check_grounding(report, self.repo.get_many(report.citations + [r.supplier_id for r in report.shortlist]))
        return report
