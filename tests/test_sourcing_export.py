"""Report files rendered for real (fpdf2 PDF read back with pypdf, HTML parsed, XLSX opened), hostile text escaped."""

from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tradewinds.errors import BadInputError
from tradewinds.sourcing.export import record_url, to_html, to_markdown, write_report
from tradewinds.sourcing.run import Budgets, RunStore, Sourcer

LINK = "http://reports.example:8000/v1"
HOSTILE = "<script>x</script>[click](http://evil.example)"  # fits the 50 characters a title is shown with


@pytest.fixture(scope="module")
def report(demo_services, tmp_path_factory):
    s = Sourcer(demo_services.repo, demo_services.search, None, fx_rates=demo_services.settings.fx_rates,
                store=RunStore(tmp_path_factory.mktemp("runs")), budgets=Budgets(max_rounds=1))
    r = s.source("需要300个保温杯，单价不超过9美元，运往迪拜")
    assert r.lines[0].options
    r.lines[0].options[0].title = HOSTILE  # a supplier-written title is untrusted text
    return r


def _option_ids(report) -> set[str]:
    return {o.offer_id for r in report.lines for o in r.options}


def test_pdf_is_real_paginated_linked_and_shows_chinese(report, tmp_path):
    out = tmp_path / "report.pdf"
    write_report(report, out, link=LINK)
    pdf = PdfReader(out)
    text = "\n".join(page.extract_text() for page in pdf.pages).replace("\x00", "")  # pypdf marks font switches with NUL
    assert report.run_id in text and "保温杯" in text  # CJK glyphs embedded with a ToUnicode map
    assert pdf.metadata.title == f"Sourcing report {report.run_id}"
    uris = {a.get_object()["/A"]["/URI"] for page in pdf.pages for a in page.get("/Annots", []) if "/A" in a.get_object()}
    assert {record_url(i, LINK) for i in _option_ids(report)} <= uris  # every option links to its catalog record
    assert all(u.startswith(LINK + "/") for u in uris) and not any("evil" in u for u in uris)
    assert f"page 1/{len(pdf.pages)}" in pdf.pages[0].extract_text()


def test_markdown_links_ids_and_shows_untrusted_markup_as_text(report):
    md = to_markdown(report, link=LINK)
    first = report.lines[0].options[0].offer_id
    assert f"[{first}]({LINK}/offers/{first})" in md
    assert "[click](http://evil.example)" not in md and r"\[click\](http://evil.example)" in md
    assert "<script>" not in md and f"# Sourcing report {report.run_id}" in md


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href"]


def test_html_is_tables_with_links_and_no_injected_markup(report):
    page = _Collect()
    page.feed(to_html(report, link=LINK))
    assert "script" not in page.tags and page.tags.count("table") == 2 + len(report.lines)
    assert {record_url(i, LINK) for i in _option_ids(report)} <= set(page.hrefs)
    assert all(h.startswith(LINK + "/") for h in page.hrefs)


def test_xlsx_escapes_formulas_and_links_offers(report, tmp_path):
    out = tmp_path / "report.xlsx"
    write_report(report, out, link=LINK)
    sheet = load_workbook(out)["Options"]
    assert sheet["F2"].value == HOSTILE  # starts with '<': kept as it is
    report.lines[0].options[0].title = "=1+1"
    write_report(report, out, link=LINK)
    sheet = load_workbook(out)["Options"]
    assert sheet["F2"].value == "'=1+1" and sheet["E2"].hyperlink.target == record_url(sheet["E2"].value, LINK)
    report.lines[0].options[0].title = HOSTILE


def test_unknown_report_format_is_refused_before_writing(report, tmp_path):
    with pytest.raises(BadInputError, match="cannot write a report as '.docx'"):
        write_report(report, tmp_path / "report.docx")
    assert not (tmp_path / "report.docx").exists()


@pytest.mark.parametrize("first, second", [("uharfbuzz", "xllamacpp.xllamacpp"), ("xllamacpp.xllamacpp", "uharfbuzz")])
def test_pdf_shaping_and_the_local_model_load_in_one_process(first, second):
    """Both are Cython extensions; builds whose shared Cython runtime differs in layout refuse to coexist."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"import {first}; import {second}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]


def _embedded_fonts(path) -> set[str]:
    return {f.get_object()["/BaseFont"].split("+")[-1] for page in PdfReader(path).pages
            for f in page["/Resources"]["/Font"].values()}


def test_pdf_embeds_only_the_fonts_its_scripts_need(report, tmp_path):
    write_report(report, tmp_path / "zh.pdf", link=LINK)
    assert any("CJK" in f for f in _embedded_fonts(tmp_path / "zh.pdf"))
    assert not any("Arabic" in f for f in _embedded_fonts(tmp_path / "zh.pdf"))
    arabic = report.model_copy(deep=True)
    arabic.ledger.need = "نحتاج 300 كوب قهوة سيراميك"
    for r, line in zip(arabic.lines, arabic.ledger.lines):
        r.name = line.name = "كوب قهوة سيراميك"
    write_report(arabic, tmp_path / "ar.pdf", link=LINK)
    assert any("Arabic" in f for f in _embedded_fonts(tmp_path / "ar.pdf"))
