"""`tradewinds bulk FILE`: a buyer's spreadsheet -> offers per line -> one consolidated supplier plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..search.schemas import split_list
from ..errors import BadInputError
from ._output import console, err


def bulk(
    file: Annotated[Path, typer.Argument(help="XLSX, CSV or TSV: one product line per row")],
    map_: Annotated[str | None, typer.Option("--map", help="Override detected columns: item=B,qty=D,price=E (letters or header names)")] = None,
    mapping_only: Annotated[bool, typer.Option("--mapping-only", help="Show the detected columns and the first lines, then stop")] = False,
    max_suppliers: Annotated[int | None, typer.Option("--max-suppliers", min=1, help="Use at most N suppliers")] = None,
    fixed_cost: Annotated[float, typer.Option("--fixed-cost", min=0, help="Shipping/handling per supplier used, in --currency")] = 150.0,
    budget: Annotated[float | None, typer.Option("--budget", min=0.01, help="Total budget, in --currency")] = None,
    currency: Annotated[str, typer.Option("--currency", help="Plan currency (and for prices without one)")] = "USD",
    exclude_country: Annotated[str | None, typer.Option("--exclude-country", help="Suppliers not from these (ISO alpha-2, comma-separated)")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Workbook sheet to read (default: the first visible)")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Solver time limit, seconds")] = 10.0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the plan: .xlsx, .md, .html, .pdf or .json")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as one JSON document")] = False,
) -> None:
    """Source every line of a spreadsheet, then choose one offer per line to minimise total cost (HiGHS)."""
    from ..bootstrap import bootstrap
    from ..bulk.columns import model_tie_breaker, parse_overrides
    from ..bulk.export import FORMATS, render, write_plan
    from ..bulk.lines import to_lines
    from ..bulk.run import BulkPlanner, PlanOptions

    if out is not None and out.suffix.lower() not in FORMATS:
        raise BadInputError(f"cannot write a plan as {out.suffix or 'a file without extension'!r}", hint=f"use {', '.join(FORMATS)}")
    services = bootstrap()
    if services.backend.count() == 0:
        raise BadInputError("the search index is empty", hint="run `tradewinds catalog demo` or `tradewinds catalog import FILE`")
    planner = BulkPlanner(services.sourcer(model=False), services.settings.fx_rates)
    overrides = parse_overrides(map_)
    read, mapping = planner.read(file, overrides, sheet, tie_breaker=lambda c: model_tie_breaker(services.gateway())(c))
    err.print(f"columns: {mapping.describe()}  (header row {mapping.header_row or 'none'}; change with --map item=B,qty=D)")
    for note in read.notes:
        err.print(f"note: {note}")
    if mapping_only:
        lines, skipped = to_lines(read, mapping, default_currency=currency)
        table = Table(title=f"{file.name}: first lines as read ({len(lines)} in all)")
        for col in ("row", "item", "searched as", "qty", "max unit price", "certifications", "issues"):
            table.add_column(col)
        for bl in lines[:15]:
            line = bl.line
            table.add_row(str(bl.row), bl.text[:40], line.name[:40], f"{line.quantity:,}",
                          "-" if line.max_unit_price is None else f"{line.max_unit_price:g} {line.currency}", ", ".join(line.certifications) or "-",
                          "; ".join(bl.issues)[:60] or "-")
        console.print(table)
        for s in skipped:
            err.print(f"skipped: {s}")
        return
    options = PlanOptions(currency=currency.upper(), fixed_cost_per_supplier=fixed_cost, max_suppliers=max_suppliers, budget_total=budget,
                          exclude_countries=[c.upper() for c in split_list(exclude_country)],
                          time_limit_s=time_limit)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=err, transient=as_json or not err.is_terminal) as bar:
        task = bar.add_task("reading the sheet", total=None)

        def emit(event) -> None:
            bar.update(task, description=event.message[:70], total=event.total if event.total is not None else bar.tasks[0].total,
                       completed=event.done if event.done is not None else bar.tasks[0].completed)

        plan = planner.plan(file, options, overrides=overrides, sheet_name=sheet, emit=emit, mapping=mapping)
    store = services.workspace_dir(None, "bulk")  # the CLI's workspace (TRADEWINDS_WORKSPACE)
    (store / f"{plan.job_id}.json").write_text(plan.model_dump_json(), encoding="utf-8")  # the job, its mapping included
    if out is not None:
        write_plan(plan, out, link=f"{services.settings.public_url.rstrip('/')}/v1")
        err.print(f"wrote {out}")
    if as_json:
        print(json.dumps(json.loads(plan.model_dump_json()), ensure_ascii=False, indent=2))
        return
    from rich.markdown import Markdown

    console.print(Markdown(render(plan, ".md", "/v1").decode()))
