"""Report files: Markdown, HTML, JSON and XLSX (spreadsheet cells escaped against formula injection)."""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import BadInputError
from .report import to_json, to_markdown
from .schemas import SourcingReport


def safe_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_html(report: SourcingReport) -> str:
    body = html.escape(to_markdown(report))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Sourcing report {report.run_id}</title>"
            f"<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto}}pre{{white-space:pre-wrap}}</style>"
            f"</head><body><pre>{body}</pre></body></html>")


def to_xlsx(report: SourcingReport, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Options"
    ws.append(["line", "item", "quantity", "rank", "offer_id", "title", "supplier_id", "supplier", "country", "unit_price", "currency",
               "total", "moq", "lead_time_days", "incoterm", "certifications", "match", "unmet_or_unknown"])
    for r in report.lines:
        for i, o in enumerate(r.options, 1):
            gaps = "; ".join(f"{c.requirement} ({c.status})" for c in o.requirements if c.status != "met")
            ws.append([safe_cell(v) for v in (r.line_id, r.name, r.quantity, i, o.offer_id, o.title, o.supplier_id, o.supplier_name,
                                              o.supplier_country, o.unit_price, o.currency, o.total, o.moq, o.lead_time_days, o.incoterm,
                                              ", ".join(o.certifications), o.match, gaps)])
    bom = wb.create_sheet("Bill of materials")
    bom.append(["line", "item", "quantity", "how", "max_unit_price", "currency", "certifications"])
    for line in report.ledger.lines:
        bom.append([safe_cell(v) for v in (line.id, line.name, line.quantity, line.quantity_formula or "", line.max_unit_price,
                                           line.currency, ", ".join(line.certifications))])
    sup = wb.create_sheet("Suppliers")
    sup.append(["supplier_id", "name", "country", "score", "lines"])
    for s in report.shortlist:
        sup.append([safe_cell(v) for v in (s.supplier_id, s.name, s.country, s.score, ", ".join(s.lines))])
    wb.save(path)


def write_report(report: SourcingReport, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".md":
        path.write_text(to_markdown(report), encoding="utf-8")
    elif suffix == ".html":
        path.write_text(to_html(report), encoding="utf-8")
    elif suffix == ".json":
        path.write_text(to_json(report), encoding="utf-8")
    elif suffix == ".xlsx":
        to_xlsx(report, path)
    else:
        raise BadInputError(f"cannot write a report as {suffix or 'a file without extension'!r}", hint="use .md, .html, .json or .xlsx")
