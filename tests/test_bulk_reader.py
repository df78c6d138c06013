"""Untrusted buyer spreadsheets: real XLSX files (openpyxl-written and hand-crafted hostile zips), CSV/TSV in legacy encodings."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tradewinds.bulk.reader import Limits, read_sheet
from tradewinds.errors import BadInputError


def _workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Needs"
    ws.append(["Purchase list 2026"])  # a merged title row above the header
    ws.merge_cells("A1:D1")
    ws.append(["品名", "数量", "目标价", "备注"])
    ws.append(["陶瓷马克杯", 500, 1.8, "=HYPERLINK(\"http://evil\",\"click\")"])
    ws.append(["hidden line", 1, 1, ""])
    ws.row_dimensions[4].hidden = True
    ws.append([])
    ws.append(["LED bulb E27", 3000, "0.9", "CE, RoHS"])
    ws.append(["Category A", None, None, None])
    ws.merge_cells("A7:A8")
    ws.append([None, 20, 5, "merged item above"])
    hidden = wb.create_sheet("Secret")
    hidden.sheet_state = "hidden"
    hidden.append(["ignore"])
    wb.save(path)


def test_xlsx_rows_skip_hidden_fill_merged_and_keep_formulas_as_text(tmp_path):
    path = tmp_path / "needs.xlsx"
    _workbook(path)
    sheet = read_sheet(path)
    rows = dict(sheet.rows)
    assert sheet.name == "Needs" and sheet.format == "xlsx"
    assert rows[1][:2] == ["Purchase list 2026", "Purchase list 2026"]  # merged across
    assert rows[3] == ["陶瓷马克杯", "500", "1.8", '=HYPERLINK("http://evil","click")']  # formula as text
    assert 4 not in rows and 5 not in rows  # hidden and blank rows dropped
    assert rows[8][:2] == ["Category A", "20"]  # merged down
    assert "skipped 1 hidden row(s)" in sheet.notes and any("formula" in n for n in sheet.notes)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "gb18030", "shift_jis", "big5", "cp1252"])
def test_csv_in_legacy_encodings(tmp_path, encoding):
    item, notes = {"utf-8": ("陶瓷杯", "含税，急单"), "utf-16": ("머그컵", "개당 2달러 이하, 급함"),
                   "gb18030": ("陶瓷马克杯", "需要CE认证，急单，印刷标志"), "shift_jis": ("マグカップ", "至急、CE認証が必要です、ロゴ印刷"),
                   "big5": ("陶瓷馬克杯", "需要CE認證，急單，印刷標誌"), "cp1252": ("Tasse en céramique", "café, façade, naïve résumé déjà")}[encoding]
    path = tmp_path / "needs.csv"
    path.write_bytes(f"item;qty;notes\n{item};500;{notes}\n{item} 2;3000;{notes}\n".encode(encoding))
    sheet = read_sheet(path)
    assert sheet.rows[1][1] == [item, "500", notes] and len(sheet.rows) == 3


def test_a_csv_pasted_together_from_two_encodings_keeps_every_row(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("item,qty\n陶瓷杯,500\nLED灯泡,3000\n".encode("utf-8") + "taza de café,200\n".encode("cp1252"))
    sheet = read_sheet(path)
    assert [r[1][0] for r in sheet.rows] == ["item", "陶瓷杯", "LED灯泡", "taza de café"]
    assert sheet.notes and sheet.notes[0].startswith("line(s) 4 were not UTF-8")


def _zip(path, parts: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


WORKBOOK = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>')


def _sheet_xml(rows: bytes, dimension: bytes = b"") -> bytes:
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + dimension
            + b"<sheetData>" + rows + b"</sheetData></worksheet>")


def test_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.xlsx"
    _zip(path, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS,
                "xl/worksheets/sheet1.xml": _sheet_xml(b" " * 50_000_000)})
    assert path.stat().st_size < 200_000
    with pytest.raises(BadInputError, match="unpacks to 50,000,.* above the"):
        read_sheet(path)
    with pytest.raises(BadInputError, match="compresses .*:1, above the 100:1 limit"):
        read_sheet(path, Limits(max_unpacked_bytes=10**9))


def test_billion_laughs_is_refused(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    path = tmp_path / "laughs.xlsx"
    _zip(path, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS, "xl/sharedStrings.xml": laughs,
                "xl/worksheets/sheet1.xml": _sheet_xml(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')})
    with pytest.raises(BadInputError, match="DTD or entities"):
        read_sheet(path)


def test_a_million_row_sheet_is_refused_quickly(tmp_path):
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>mug</t></is></c></row>' % (i, i) for i in range(1, 1_048_577))
    path = tmp_path / "million.xlsx"
    _zip(path, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS, "xl/worksheets/sheet1.xml": _sheet_xml(rows)})
    with pytest.raises(BadInputError, match="more than 5,000 rows"):
        read_sheet(path, Limits(max_unpacked_bytes=10**9, max_ratio=10**6))
    lying = tmp_path / "dimension.xlsx"
    _zip(lying, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS,
                 "xl/worksheets/sheet1.xml": _sheet_xml(b"", b'<dimension ref="A1:C1048576"/>')})
    with pytest.raises(BadInputError, match="spans 1,048,576 rows"):
        read_sheet(lying)


def test_other_refusals_name_the_file_and_the_fix(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(BadInputError, match="old.xls: legacy .xls") as e:
        read_sheet(xls)
    assert "save as .xlsx or .csv" in e.value.hint
    big = tmp_path / "big.csv"
    big.write_text("item,qty\n" + "mug,1\n" * 100)
    with pytest.raises(BadInputError, match="above the 50-byte limit"):
        read_sheet(big, Limits(max_file_bytes=50))
    with pytest.raises(BadInputError, match="more than 10 rows"):
        read_sheet(big, Limits(max_rows=10))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BadInputError, match="not a readable XLSX"):
        read_sheet(broken)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.lists(st.lists(st.text(max_size=20), max_size=6), max_size=20).map(
                          lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass"))),
       kind=st.sampled_from([".csv", ".tsv", ".xlsx"]))
def test_fuzzed_files_fail_only_with_our_documented_error(tmp_path, data, kind):
    path = tmp_path / f"fuzz{kind}"
    if kind == ".xlsx":  # a real zip whose parts are the fuzzed bytes
        buf = io.BytesIO()
        _zip(buf, {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS, "xl/worksheets/sheet1.xml": data})
        data = buf.getvalue()
    path.write_bytes(data)
    try:
        sheet = read_sheet(path, Limits(max_rows=50))
    except BadInputError as exc:
        assert exc.message and exc.hint
    else:
        assert all(isinstance(c, str) for _, row in sheet.rows for c in row)
