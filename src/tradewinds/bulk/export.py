"""Bulk plan files: XLSX (summary, one sheet per supplier, unmatched lines), Markdown/HTML/PDF, JSON."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from ..errors import BadInputError
from ..sourcing.export import blocks_to_html, blocks_to_markdown, blocks_to_pdf, record_url, safe_cell
from ..sourcing.layout import Block, Bullets, Heading, Paragraph, Table
from ..sourcing.report import money
from ..sourcing.schemas import Option
from ..sourcing.specs import label as spec_label
from .run import BulkPlan

FORMATS = (".xlsx", ".md", ".html", ".pdf", ".json")


def _chosen(plan: BulkPlan):
    for r in plan.lines:
        option = next((o for o in r.options if o.offer_id == r.chosen_offer_id), None)
        yield r, option


def spec_check(option: Option) -> str:
    """'power = 9W met; base = E27 unknown': how the chosen offer's record answers the line's specs."""
    return "; ".join(f"{c.requirement} {c.status}" for c in option.requirements if c.kind == "spec" and not c.requirement.startswith("customization"))


def blocks(plan: BulkPlan) -> list[Block]:
    cur = plan.options.currency
    s = plan.solver
    out: list[Block] = [Heading(f"Bulk sourcing plan {plan.job_id}", 1),
                        Paragraph(f"{plan.file}, sheet {plan.sheet!r}: {len(plan.lines)} line(s); columns {plan.mapping.describe()}", "note"),
                        Heading("Summary")]
    rows = []
    for strategy in (plan.optimised, *plan.baselines):
        saving = None if strategy is plan.optimised else plan.saving_vs(strategy)
        rows.append([strategy.name, money(strategy.total_cost, cur), money(strategy.goods_cost, cur), money(strategy.fixed_costs, cur),
                     str(strategy.suppliers), f"{strategy.lines_assigned}/{len(plan.lines)}",
                     "-" if saving is None else f"{saving:.1%}"])
    out.append(Table(["plan", "total", "goods", "supplier fixed costs", "suppliers", "lines", "optimised saves"], rows, "lrrrrrr",
                     [22, 14, 14, 14, 8, 8, 10]))
    out.append(Bullets([f"solver: HiGHS, {s.status}, gap {'-' if s.gap is None else f'{s.gap:.4%}'}, {s.time_s:.2f} s "
                        f"(limit {s.time_limit_s:g} s), {s.variables} variables",
                        f"fixed cost per supplier {money(plan.options.fixed_cost_per_supplier, cur)}"
                        + (f"; at most {plan.options.max_suppliers} suppliers" if plan.options.max_suppliers else "")
                        + (f"; budget {money(plan.options.budget_total, cur)}" if plan.options.budget_total else ""),
                        *plan.notes]))
    by_supplier: dict[str, list] = {}
    for r, o in _chosen(plan):
        if o is not None:
            by_supplier.setdefault(o.supplier_id, []).append((r, o))
    for sid, items in sorted(by_supplier.items(), key=lambda kv: -len(kv[1])):
        o0 = items[0][1]
        out.append(Heading(f"{sid} {o0.supplier_name or ''} ({o0.supplier_country or '-'}): {len(items)} line(s)"))
        out.append(Table(["row", "item", "HS", "qty", "offer", "unit price", "total", "MOQ", "lead", "match", "specs"],
                         [[str(r.row), r.text[:60], r.hs_code or "-", f"{r.quantity:,} {r.unit or ''}".strip(), f"{o.offer_id} {o.title[:40]}",
                           money(o.unit_price, o.currency), money(o.total, o.currency), f"{o.moq:,}",
                           "-" if o.lead_time_days is None else str(o.lead_time_days), f"{o.match:.0%}", spec_check(o) or "-"]
                          for r, o in items],
                         "llllrrrrrrl", [5, 20, 8, 7, 26, 9, 10, 6, 5, 5, 20]))
    flagged = [r for r in plan.lines if r.chosen_offer_id is None]
    out.append(Heading(f"Flagged lines ({len(flagged)})"))
    out.append(Table(["row", "item", "qty", "why", "what is missing"],
                     [[str(r.row), r.text[:60], f"{r.quantity:,}", r.flagged or "-", "; ".join(r.missing)[:200] or "-"] for r in flagged],
                     "llrll", [5, 30, 8, 25, 40]) if flagged else Paragraph("none"))
    problems = [i for r in plan.lines for i in r.issues] + plan.skipped_rows
    if problems:
        out += [Heading("Reading the sheet"), Bullets(problems[:200])]
    return out


def to_xlsx(plan: BulkPlan, path: Path, link: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    cur = plan.options.currency
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["plan", f"total ({cur})", f"goods ({cur})", f"supplier fixed costs ({cur})", "suppliers", "lines assigned", "optimised saves"])
    for strategy in (plan.optimised, *plan.baselines):
        ws.append([strategy.name, strategy.total_cost, strategy.goods_cost, strategy.fixed_costs, strategy.suppliers, strategy.lines_assigned,
                   None if strategy is plan.optimised else plan.saving_vs(strategy)])
    ws.append([])
    for label, value in (("file", plan.file), ("sheet", plan.sheet), ("columns", plan.mapping.describe()),
                         ("solver", f"HiGHS {plan.solver.status}, gap {plan.solver.gap}"), ("job", plan.job_id)):
        ws.append([label, safe_cell(value)])
    header = ["row", "ref", "item", "HS 2022", "category", "qty", "unit", "offer_id", "title", "supplier_id", "supplier", "country",
              "unit_price", "currency", "total", "moq", "lead_time_days", "match", "specs asked", "spec check"]
    sheets: dict[str, object] = {}
    for r, o in _chosen(plan):
        if o is None:
            continue
        if o.supplier_id not in sheets:
            title = re.sub(r"[\[\]:*?/\\]", " ", f"{o.supplier_name or o.supplier_id}")[:24].strip() or o.supplier_id
            name = f"{title} {len(sheets) + 1}"[:31]
            sheets[o.supplier_id] = wb.create_sheet(name)
            sheets[o.supplier_id].append(header)
        sheet = sheets[o.supplier_id]
        sheet.append([safe_cell(v) for v in (r.row, r.ref, r.text, r.hs_code, r.category, r.quantity, r.unit, o.offer_id, o.title, o.supplier_id,
                                             o.supplier_name, o.supplier_country, o.unit_price, o.currency, o.total, o.moq,
                                             o.lead_time_days, o.match, ", ".join(spec_label(x) for x in r.specs), spec_check(o))])
        for col, catalog_id in ((8, o.offer_id), (10, o.supplier_id)):
            cell = sheet.cell(sheet.max_row, col)
            cell.hyperlink, cell.font = record_url(catalog_id, link), Font(color="0B5CAD", underline="single")
    flagged = wb.create_sheet("Flagged")
    flagged.append(["row", "ref", "item", "qty", "why", "missing", "issues"])
    for r in plan.lines:
        if r.chosen_offer_id is None or r.issues:
            flagged.append([safe_cell(v) for v in (r.row, r.ref, r.text, r.quantity, r.flagged or "read with assumptions",
                                                   "; ".join(r.missing), "; ".join(r.issues))])
    for line in plan.skipped_rows:
        flagged.append([None, None, None, None, safe_cell(line)])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wb.save(path)


def write_plan(plan: BulkPlan, path: Path, link: str = "http://127.0.0.1:8000/v1") -> None:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadInputError(f"cannot write a plan as {suffix or 'a file without extension'!r}", hint=f"use {', '.join(FORMATS)}")
    path.write_bytes(render(plan, suffix, link))


def render(plan: BulkPlan, suffix: str, link: str) -> bytes:
    title = f"Bulk sourcing plan {plan.job_id}"
    if suffix == ".json":
        return plan.model_dump_json(indent=2).encode()
    if suffix == ".md":
        return blocks_to_markdown(blocks(plan), link).encode()
    if suffix == ".html":
        return blocks_to_html(blocks(plan), title, "en", link).encode()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"plan{suffix}"
        if suffix == ".pdf":
            blocks_to_pdf(blocks(plan), target, title, "en", link)
        else:
            to_xlsx(plan, target, link)
        return target.read_bytes()
