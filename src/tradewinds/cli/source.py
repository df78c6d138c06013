"""`tradewinds source "NEED"`: a plain-words need -> a cited sourcing report, with live progress."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import BadInputError
from ._output import console, err


class ReportFormat(StrEnum):
    markdown = "markdown"
    json = "json"


def source(
    need: Annotated[str | None, typer.Argument(help="What you want to buy, in any language")] = None,
    qty_scale: Annotated[float, typer.Option("--qty-scale", min=0.001, help="Multiply every quantity (e.g. 2 for two shops)")] = 1.0,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the report: .md, .html, .pdf, .json or .xlsx")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="What to print: markdown or one JSON document")] = ReportFormat.markdown,
    plan_only: Annotated[bool, typer.Option("--plan-only", help="Print the ledger and planned queries (JSON) and stop")] = False,
    plan: Annotated[Path | None, typer.Option("--plan", help="Run an edited plan (the JSON from --plan-only)")] = None,
    session: Annotated[str | None, typer.Option("--session", help="Run id to resume, or to apply --follow-up to")] = None,
    follow_up: Annotated[str | None, typer.Option("--follow-up", help="Change a session: 'only suppliers outside China', 'add a grinder'")] = None,
    no_model: Annotated[bool, typer.Option("--no-model", help="Extractors and templates only (no language model)")] = False,
    max_rounds: Annotated[int, typer.Option(min=1, max=10, help="Search rounds per line")] = 3,
    time_budget: Annotated[float, typer.Option("--time-budget", min=1, help="Wall-time budget in seconds")] = 120.0,
    weights: Annotated[str | None, typer.Option("--weights", help="Supplier ranking weights, e.g. on_time_rate=3,verified=2 "
                                                 "(certifications, years, rating, response_rate, on_time_rate, customization, verified)")] = None,
) -> None:
    """Source a need from the catalog: requirements, options per line with evidence, suppliers, totals, risks."""
    from ..bootstrap import bootstrap
    from ..sourcing.export import to_markdown, write_report
    from ..sourcing.report import to_json
    from ..sourcing.run import Budgets, RunState

    services = bootstrap()
    if services.backend.count() == 0:
        raise BadInputError("the search index is empty", hint="run `tradewinds catalog demo` or `tradewinds catalog import FILE`")
    from ..jobs import vectors as fill

    if fill.start_background(services.settings, services.backend):  # vectors an earlier filler left unfinished
        err.print(fill.status(services.settings, services.backend).describe())
    sourcer = services.sourcer(Budgets(max_rounds=max_rounds, wall_time_s=time_budget), model=not no_model)
    if plan_only:
        if not need:
            raise BadInputError("--plan-only needs a NEED", hint='tradewinds source "500 ceramic mugs" --plan-only > plan.json')
        state, _ = sourcer.plan(need, quantity_scale=qty_scale, weights=parse_weights(weights))
        print(state.model_dump_json(indent=2, include={"run_id", "ledger", "weights"}))
        err.print(f"edit the queries or quantities, then: tradewinds source --plan {{file}}  (run id {state.run_id})")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  transient=fmt == ReportFormat.json or not sys.stderr.isatty()) as bar:
        task = bar.add_task("understanding the need", total=None)

        def emit(event) -> None:
            bar.update(task, description=event.message[:90], total=event.total if event.total is not None else bar.tasks[0].total,
                       completed=event.done if event.done is not None else bar.tasks[0].completed)

        if follow_up:
            if not session:
                raise BadInputError("--follow-up needs --session RUN_ID", hint="the run id is printed with every report")
            report = sourcer.follow_up(session, follow_up, emit=emit)
        elif plan is not None:
            try:
                state = RunState.model_validate_json(plan.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise BadInputError(f"{plan}: not a plan from --plan-only ({str(exc)[:300]})",
                                    hint="re-create it with `tradewinds source NEED --plan-only > plan.json`") from exc
            report = sourcer.execute(state, emit=emit)
        elif session:
            report = sourcer.execute(sourcer.store.load(session), emit=emit)
        elif need:
            report = sourcer.source(need, quantity_scale=qty_scale, weights=parse_weights(weights), emit=emit)
        else:
            raise BadInputError("nothing to source", hint='give a need: tradewinds source "500 ceramic mugs, under 2 USD each"')
    if out is not None:
        write_report(report, out, link=f"{services.settings.public_url.rstrip('/')}/v1")
        err.print(f"wrote {out}")
    if fmt == ReportFormat.json:
        print(to_json(report))
    else:
        from rich.markdown import Markdown

        console.print(Markdown(to_markdown(report)))
        err.print(f"run id {report.run_id}: follow up with  tradewinds source --session {report.run_id} --follow-up \"...\"")


def parse_weights(text: str | None):
    """'on_time_rate=3,verified=2' -> SupplierWeights (unnamed signals keep their defaults)."""
    from ..sourcing.suppliers import SupplierWeights

    if not text:
        return None
    values = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = part.partition("=")
        if not sep or name.strip() not in SupplierWeights.model_fields:
            raise BadInputError(f"--weights: {part!r} is not SIGNAL=NUMBER", hint=f"signals: {', '.join(SupplierWeights.model_fields)}")
        try:
            values[name.strip()] = float(number)
        except ValueError:
            raise BadInputError(f"--weights: {number!r} for {name.strip()} is not a number", hint="e.g. on_time_rate=3") from None
    try:
        return SupplierWeights(**values)
    except ValueError as exc:
        raise BadInputError(f"--weights: {str(exc).splitlines()[-1]}", hint="weights are numbers >= 0") from None
