"""The report laid out once as blocks (headings, paragraphs, lists, tables); export.py renders them.

Markdown, HTML and PDF show the same content because they render the same blocks. Text is plain:
catalog ids inside it (``off_…``, ``prd_…``, ``sup_…``) are turned into links by each renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .report import money
from .schemas import SourcingReport


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str
    style: str = "plain"  # plain | quote | strong | note


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    align: str = ""  # one letter per column: l or r (default l)
    widths: list[float] = field(default_factory=list)  # relative column widths for paged output


Block = Heading | Paragraph | Bullets | Table


def _specs(line) -> str:
    return ", ".join(f"{s.name} {s.op} {s.value:g}{s.unit or ''}" if isinstance(s.value, float) else f"{s.name}: {s.value}"
                     for s in line.specs)


def blocks(report: SourcingReport) -> list[Block]:
    L, t, s = report.ledger, report.totals, report.stats
    out: list[Block] = [Heading(f"Sourcing report {report.run_id}", 1), Paragraph(L.need, "quote"),
                        Heading("Summary"), Paragraph(report.summary)]
    if report.changes:
        out += [Heading("What changed"), Bullets(list(report.changes))]
    req = [f"language: {L.language}; currency: {L.currency}" + (f"; budget: {money(L.budget_total, L.currency)}" if L.budget_total else "")]
    for label, value in (("destination", L.destination_country), ("suppliers only from", ", ".join(L.supplier_countries)),
                         ("suppliers not from", ", ".join(L.exclude_countries)), ("Incoterm", L.incoterm),
                         ("lead time", f"<= {L.max_lead_time_days} days" if L.max_lead_time_days else None),
                         ("verified suppliers only", "yes" if L.verified_only else None)):
        if value:
            req.append(f"{label}: {value}")
    req += [f"note: {n}" for n in L.notes]
    out += [Heading("Requirements"), Bullets(req), Heading("Bill of materials"),
            Table(["line", "item", "quantity", "how", "max unit price", "certifications", "specs"],
                  [[line.id, line.name, f"{line.quantity:,}", line.quantity_formula or ("stated" if line.quantity_stated else "assumed"),
                    money(line.max_unit_price, line.currency) if line.max_unit_price else "-", ", ".join(line.certifications) or "-",
                    _specs(line) or "-"] for line in L.lines],
                  "llrlrll", [6, 22, 9, 22, 12, 14, 20])]
    for r in report.lines:
        out.append(Heading(f"{r.line_id}: {r.name} x {r.quantity:,}"))
        if r.no_match:
            out.append(Paragraph("No adequate offer in the catalog. " + "; ".join(r.missing), "strong"))
        if r.options:
            landed = any(o.landed is not None for o in r.options)
            rows = []
            for i, o in enumerate(r.options, 1):
                gaps = "; ".join(f"{c.requirement} ({c.status})" for c in o.requirements if c.status != "met") or "-"
                rows.append([str(i), f"{o.offer_id} {o.title[:50]}", f"{o.supplier_id} {o.supplier_name or ''}".strip(), o.supplier_country or "-",
                             money(o.unit_price, o.currency), money(o.total, o.currency)]
                            + ([money(o.landed.unit, o.landed.currency) if o.landed else "-"] if landed else [])
                            + [f"{o.moq:,}", "-" if o.lead_time_days is None else str(o.lead_time_days), o.incoterm or "-",
                               ", ".join(o.certifications) or "-", f"{o.match:.0%}", gaps])
            header = ["#", "offer", "supplier", "country", "unit price", "total"] + (["landed / unit"] if landed else []) \
                + ["MOQ", "lead", "Incoterm", "certifications", "match", "unmet / unknown"]
            out.append(Table(header, rows, "rlllrr" + ("r" if landed else "") + "rrllrl",
                             [3, 22, 16, 6, 9, 11] + ([9] if landed else []) + [6, 5, 7, 10, 6, 19]))
            best = r.options[0].landed
            if best is not None:
                parts = " + ".join(f"{p.name} {money(p.amount, best.currency)}" for p in best.parts)
                out.append(Paragraph(f"landed, option 1 ({best.basis}, {best.mode}, {best.incoterm}, duty {best.duty_rate:g}%): "
                                     f"{parts} = {money(best.total, best.currency)}; " + "; ".join(best.assumptions), "note"))
        out.append(Paragraph(f"queries: {', '.join(repr(q) for q in r.queries_run)}; rounds: {r.rounds}", "note"))
    totals = [f"best adequate options: {money(t.best_total, t.currency)} over {t.lines_priced} line(s)"]
    if t.landed_total is not None:
        totals.append(f"the same landed at {L.destination_country}: {money(t.landed_total, t.currency)} (estimates)")
    if t.budget_total is not None:
        totals.append(f"budget: {money(t.budget_total, t.currency)}: "
                      + ("within" if t.within_budget else "over" if t.within_budget is False else "not comparable"))
    if t.lines_missing:
        totals.append(f"not priced: {', '.join(t.lines_missing)}")
    rows = []
    for sup in report.shortlist:
        on_time, rating = sup.signals.get("on_time_rate"), sup.signals.get("rating")
        rows.append([f"{sup.supplier_id} {sup.name}", sup.country or "-", f"{sup.score:.2f}", ", ".join(sup.lines),
                     "yes" if sup.signals.get("verified") else "no", "-" if on_time is None else f"{on_time:.0%}",
                     "-" if rating is None else f"{rating * 5:.1f}"])
    out += [Heading("Totals"), Bullets(totals), Heading("Supplier shortlist"),
            Table(["supplier", "country", "score", "lines", "verified", "on-time", "rating"], rows, "llrllrr", [34, 8, 8, 20, 8, 8, 8]),
            Heading("Questions for suppliers"), Bullets(list(report.questions) or ["none"]),
            Heading("Risks"), Bullets(list(report.risks) or ["none found"]),
            Paragraph(f"{s.rounds} search round(s), {s.search_calls} searches, {s.model_calls} model call(s), {s.total_s:.1f} s"
                      + ("; partial: a budget ran out" if s.partial else ""), "note")]
    return out
