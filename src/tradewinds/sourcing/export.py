"""Report files: Markdown, HTML, PDF, JSON and XLSX, all rendered from the same layout blocks.

Catalog ids in the text become links to their records (``{link}/offers/off_…``). Untrusted text
(titles, supplier names, the buyer's need) is escaped for each format: Markdown and HTML markup
in it is shown, not followed, and spreadsheet cells that would run as formulas are quoted.
PDF is rendered by fpdf2 with Noto fonts shipped as Python packages (Latin, CJK, Hangul, Arabic
with shaping), so it works offline and looks the same everywhere.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..errors import BadInputError
from .layout import Block, Bullets, Heading, Paragraph, blocks
from .report import ID_RE, to_json
from .schemas import SourcingReport

FORMATS = {".md": "markdown", ".html": "html", ".pdf": "pdf", ".json": "json", ".xlsx": "xlsx"}
_KINDS = {"off": "offers", "prd": "products", "sup": "suppliers"}


def record_url(catalog_id: str, link: str) -> str:
    return f"{link.rstrip('/')}/{_KINDS[catalog_id[:3]]}/{catalog_id}"


def segments(text: str, link: str) -> list[tuple[str, str | None]]:
    """Split text into (piece, url) where url is set for catalog ids."""
    out, pos = [], 0
    for m in ID_RE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None))
        out.append((m.group(), record_url(m.group(), link)))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def safe_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# -- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|])")


def _md(text: str, link: str, cell: bool = False) -> str:
    out = "".join(f"[{piece}]({url})" if url else _MD_SPECIAL.sub(r"\\\1", piece) for piece, url in segments(text, link))
    return out.replace("\n", " ") if cell else out


def to_markdown(report: SourcingReport, link: str = "/v1") -> str:
    """The report as Markdown; every catalog id links to its record under ``link``."""
    return blocks_to_markdown(blocks(report), link)


def blocks_to_markdown(layout: list[Block], link: str) -> str:
    out: list[str] = []
    for b in layout:
        if isinstance(b, Heading):
            out += [f"{'#' * b.level} {_md(b.text, link)}", ""]
        elif isinstance(b, Paragraph):
            text = _md(b.text, link)
            out += [{"quote": f"> {text}", "strong": f"**{text}**", "note": f"_{text}_"}.get(b.style, text), ""]
        elif isinstance(b, Bullets):
            out += [*[f"- {_md(i, link)}" for i in b.items], ""]
        else:
            align = b.align or "l" * len(b.header)
            out += [f"| {' | '.join(b.header)} |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|",
                    *[f"| {' | '.join(_md(c, link, cell=True) for c in row)} |" for row in b.rows], ""]
    return "\n".join(out)


# -- HTML -------------------------------------------------------------------------------------

_CSS = """body{font-family:"Noto Sans",system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#1d2733}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;color:#123f6b}blockquote{border-left:3px solid #9ab;margin:0;padding:.3em 1em;color:#445}
table{border-collapse:collapse;width:100%;font-size:.85em}th,td{border:1px solid #ccd3da;padding:3px 6px;vertical-align:top}
th{background:#eef2f6;text-align:left}td.r{text-align:right}p.note{color:#667;font-size:.85em}a{color:#0b5cad}"""


def _h(text: str, link: str) -> str:
    return "".join(f'<a href="{html.escape(url)}">{html.escape(piece)}</a>' if url else html.escape(piece) for piece, url in segments(text, link))


def to_html(report: SourcingReport, link: str = "/v1") -> str:
    return blocks_to_html(blocks(report), f"Sourcing report {report.run_id}", report.ledger.language, link)


def blocks_to_html(layout: list[Block], title: str, language: str, link: str) -> str:
    parts = []
    for b in layout:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{_h(b.text, link)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            body = _h(b.text, link)
            parts.append({"quote": f'<blockquote dir="auto">{body}</blockquote>', "strong": f"<p><strong>{body}</strong></p>",
                          "note": f'<p class="note">{body}</p>'}.get(b.style, f'<p dir="auto">{body}</p>'))
        elif isinstance(b, Bullets):
            parts.append("<ul>" + "".join(f'<li dir="auto">{_h(i, link)}</li>' for i in b.items) + "</ul>")
        else:
            align = b.align or "l" * len(b.header)
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b.header)
            rows = "".join("<tr>" + "".join(f'<td class="{a}" dir="auto">{_h(c, link)}</td>' for a, c in zip(align, row)) + "</tr>"
                           for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


# -- PDF --------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _font_files() -> dict[str, Path]:
    try:
        import cvttf_NotoSansCJK_Regular as cjk
        import fontpkg_noto_sans as latin
        import fontpkg_noto_sans_arabic as arabic
    except ImportError as exc:
        raise BadInputError(f"PDF export needs its font packages ({exc.name} is missing)",
                            hint='reinstall Tradewinds: pip install -e "."') from exc
    return {"sans": latin.ROOT / "files" / "NotoSans[wdth,wght].ttf", "sans-italic": latin.ROOT / "files" / "NotoSans-Italic[wdth,wght].ttf",
            "arabic": arabic.ROOT / "files" / "NotoSansArabic[wdth,wght].ttf", "cjk": Path(cjk.get_TTF_path())}


def to_pdf(report: SourcingReport, path: Path, link: str = "http://127.0.0.1:8000/v1") -> None:
    blocks_to_pdf(blocks(report), path, f"Sourcing report {report.run_id}", report.ledger.language, link)


def blocks_to_pdf(layout: list[Block], path: Path, title: str, language: str, link: str) -> None:
    """A paginated A4 landscape PDF with page numbers, clickable catalog links, and every script the buyer may use."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    every_text = " ".join(_block_text(b) for b in layout)
    files = _font_files()

    class _Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("sans", "", 7)
            self.set_text_color(110)
            self.cell(0, 5, f"Tradewinds - {title} - page {self.page_no()}/{{nb}}", align="C")

    pdf = _Doc(orientation="L", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Tradewinds")
    pdf.set_lang(language)
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, 14)
    pdf.add_font("sans", "", str(files["sans"]))
    pdf.add_font("sans", "I", str(files["sans-italic"]))
    fallbacks = []
    if _CJK.search(every_text):  # the CJK font is 16 MB: load it only when a glyph needs it
        pdf.add_font("cjk", "", str(files["cjk"]))
        fallbacks.append("cjk")
    if _RTL.search(every_text):
        pdf.add_font("arabic", "", str(files["arabic"]))
        fallbacks.append("arabic")
        pdf.set_text_shaping(True)  # joins Arabic letters and orders right-to-left runs
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.add_page()
    heading_style = FontFace(color=(18, 63, 107), fill_color=(238, 242, 246))
    for b in layout:
        if isinstance(b, Heading):
            if b.level > 1 and pdf.get_y() > pdf.h - 40:
                pdf.add_page()  # no heading alone at the foot of a page
            pdf.set_font("sans", "", 16 if b.level == 1 else 12)
            pdf.set_text_color(18, 63, 107)
            pdf.ln(2)
            pdf.multi_cell(0, 8 if b.level == 1 else 6.5, b.text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
        elif isinstance(b, Paragraph):
            pdf.set_font("sans", "I" if b.style in ("quote", "note") else "", 8 if b.style == "note" else 9.5)
            pdf.set_text_color(90 if b.style in ("quote", "note") else 0)
            _write(pdf, b.text, link, 5)
            pdf.set_text_color(0)
        elif isinstance(b, Bullets):
            pdf.set_font("sans", "", 9)
            for item in b.items:
                _write(pdf, "- " + item, link, 4.8)
        else:
            pdf.set_font("sans", "", 7.5)
            align = b.align or "l" * len(b.header)
            with pdf.table(col_widths=tuple(b.widths) or None, headings_style=heading_style, line_height=4, padding=1,
                           text_align=tuple("RIGHT" if a == "r" else "LEFT" for a in align), width=pdf.epw) as table:
                row = table.row()
                for h in b.header:
                    row.cell(h)
                for cells in b.rows:
                    row = table.row()
                    for c in cells:
                        ids = ID_RE.findall(c)
                        row.cell(c, link=record_url(ids[0], link) if ids else None)
            pdf.ln(2)
    pdf.output(str(path))


def _block_text(b: Block) -> str:
    if isinstance(b, Heading | Paragraph):
        return b.text
    if isinstance(b, Bullets):
        return " ".join(b.items)
    return " ".join(" ".join(r) for r in b.rows)


def _write(pdf, text: str, link: str, height: float) -> None:
    """Flowing text whose catalog ids are clickable, then a line break."""
    pdf.set_x(pdf.l_margin)
    for piece, url in segments(text, link):
        if url:
            pdf.set_text_color(11, 92, 173)
            pdf.write(height, piece, link=url)
            pdf.set_text_color(0)
        else:
            pdf.write(height, piece)
    pdf.ln(height + 1)


# -- XLSX -------------------------------------------------------------------------------------

def to_xlsx(report: SourcingReport, path: Path, link: str = "http://127.0.0.1:8000/v1") -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
            for col, catalog_id in ((5, o.offer_id), (7, o.supplier_id)):
                cell = ws.cell(ws.max_row, col)
                cell.hyperlink, cell.font = record_url(catalog_id, link), Font(color="0B5CAD", underline="single")
    bom = wb.create_sheet("Bill of materials")
    bom.append(["line", "item", "quantity", "how", "max_unit_price", "currency", "certifications"])
    for line in report.ledger.lines:
        bom.append([safe_cell(v) for v in (line.id, line.name, line.quantity, line.quantity_formula or "", line.max_unit_price,
                                           line.currency, ", ".join(line.certifications))])
    sup = wb.create_sheet("Suppliers")
    sup.append(["supplier_id", "name", "country", "score", "lines"])
    for s in report.shortlist:
        sup.append([safe_cell(v) for v in (s.supplier_id, s.name, s.country, s.score, ", ".join(s.lines))])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wb.save(path)


def render(report: SourcingReport, fmt: str, link: str) -> bytes:
    """The report in one format as bytes (for HTTP downloads); fmt is a key or value of FORMATS."""
    fmt = FORMATS.get(fmt, fmt)
    if fmt == "markdown":
        return to_markdown(report, link).encode()
    if fmt == "html":
        return to_html(report, link).encode()
    if fmt == "json":
        return to_json(report).encode()
    if fmt in ("pdf", "xlsx"):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / f"report.{fmt}"
            (to_pdf if fmt == "pdf" else to_xlsx)(report, target, link)
            return target.read_bytes()
    raise BadInputError(f"unknown report format {fmt!r}", hint=f"use one of {', '.join(FORMATS.values())}")


def write_report(report: SourcingReport, path: Path, link: str = "http://127.0.0.1:8000/v1") -> None:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadInputError(f"cannot write a report as {suffix or 'a file without extension'!r}",
                            hint=f"use {', '.join(FORMATS)}")
    path.write_bytes(render(report, suffix, link))
