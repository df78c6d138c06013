"""Reading untrusted buyer spreadsheets: XLSX, CSV and TSV, with limits, into plain text rows.

XLSX is read by a small streaming parser over the zip (defusedxml, so DTDs and entity
expansion are refused) instead of a full workbook model, so memory stays bounded whatever the
file claims. Before anything is decompressed the zip directory is checked: entry count, total
unpacked size and each entry's compression ratio (zip bombs). Every read is also capped, in
case a header lies. Formulas are returned as their text ("=SUM(B2:B9)") and never evaluated.
Hidden rows and sheets are skipped, merged cells take the value of their top-left cell, blank
rows are dropped. Every refusal is a BadInputError naming the file, the limit and the fix.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from pydantic import BaseModel, Field

from ..errors import BadInputError
from ..textfiles import read_text

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class Limits(BaseModel):
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest upload")
    max_unpacked_bytes: int = Field(40 * 1024 * 1024, ge=1, description="XLSX: all zip entries together, uncompressed")
    max_ratio: float = Field(100.0, gt=1, description="XLSX: largest uncompressed/compressed ratio of one entry")
    max_entries: int = Field(2000, ge=1, description="XLSX: zip entries")
    max_rows: int = Field(5000, ge=1, description="Data rows (lines to source)")
    max_columns: int = Field(100, ge=1)
    max_cell_chars: int = Field(2000, ge=1)


@dataclass
class Sheet:
    path: str
    name: str
    rows: list[tuple[int, list[str]]]  # (row number as the buyer sees it, cell texts)
    format: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def read_sheet(path: Path, limits: Limits | None = None, *, sheet: str | None = None) -> Sheet:
    limits = limits or Limits()
    if not path.is_file():
        raise BadInputError(f"{path.name}: file not found", hint="check the path")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise BadInputError(f"{path.name}: {size:,} bytes, above the {limits.max_file_bytes:,}-byte limit",
                            hint="split the sheet, or raise TRADEWINDS_BULK_MAX_FILE_BYTES")
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(8)
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, limits, sheet)
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadInputError(f"{path.name}: legacy .xls workbooks are not read (no safe maintained reader)",
                            hint="open it in Excel or LibreOffice and save as .xlsx or .csv")
    if suffix in (".csv", ".tsv", ".txt", ""):
        return _read_delimited(path, limits, "\t" if suffix == ".tsv" else None)
    raise BadInputError(f"{path.name}: {suffix} files are not read", hint="upload .xlsx, .csv or .tsv")


# -- CSV / TSV ----------------------------------------------------------------------------------

def _read_delimited(path: Path, limits: Limits, delimiter: str | None) -> Sheet:
    notes: list[str] = []
    mixed = _mixed_utf8(path.read_bytes())
    if mixed is not None:
        text, encoding, odd = mixed
        notes.append(f"line(s) {', '.join(map(str, odd[:10]))} were not UTF-8; read as {encoding}")
        encoding = "utf-8+" + encoding
    else:
        text, encoding = read_text(path, max_bytes=limits.max_file_bytes, formats="XLSX, CSV or TSV")
    if delimiter is None:
        sample = "\n".join(text.splitlines()[:20])
        counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            _add_row(rows, reader.line_num, cells, path, limits)
    except csv.Error as exc:
        raise BadInputError(f"{path.name}: row {reader.line_num}: {exc}", hint="check quoting: a cell with a delimiter or newline needs \"quotes\"") from exc
    return Sheet(str(path), path.stem, rows, "tsv" if delimiter == "\t" else "csv", encoding, notes)


def _mixed_utf8(data: bytes) -> tuple[str, str, list[int]] | None:
    """A file that is mostly UTF-8 with some lines in a legacy encoding (sheets pasted together):
    (text, that encoding, odd line numbers); None when the file is one encoding."""
    lines = data.split(b"\n")
    odd = []
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            odd.append(i)
    legacy = set(odd)
    utf8_text = any(not line.isascii() for i, line in enumerate(lines) if i not in legacy)  # ASCII fits any encoding
    if not odd or not utf8_text or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(b"\n".join(lines[i] for i in odd)).best()
    encoding = best.encoding if best is not None else "cp1252"
    decoded = [line.decode(encoding, errors="replace") if i in legacy else line.decode("utf-8") for i, line in enumerate(lines)]
    return "\n".join(decoded), encoding, [i + 1 for i in odd]


def _add_row(rows: list, number: int, cells: list[str], path: Path, limits: Limits) -> None:
    cells = [_clean(c, limits) for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return
    if len(cells) > limits.max_columns:
        raise BadInputError(f"{path.name}: row {number} has {len(cells)} columns, above the limit of {limits.max_columns}",
                            hint="remove unused columns")
    if len(rows) >= limits.max_rows + 1:  # + the header row
        raise BadInputError(f"{path.name}: more than {limits.max_rows:,} rows (stopped at row {number:,})",
                            hint="split the sheet into parts, or raise TRADEWINDS_BULK_MAX_ROWS")
    rows.append((number, cells))


def _clean(value: str, limits: Limits) -> str:
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value).strip()
    return value[:limits.max_cell_chars]


# -- XLSX -----------------------------------------------------------------------------------------

class _Capped(io.RawIOBase):
    """A zip member stream that refuses to yield more than ``cap`` bytes (in case the directory lies)."""

    def __init__(self, raw, cap: int, what: str) -> None:
        self.raw, self.left, self.what = raw, cap, what

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise BadInputError(f"{self.what} unpacks to more than its declared size", hint="the file is corrupt or hostile; re-save it")
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)


def _read_xlsx(path: Path, limits: Limits, wanted: str | None) -> Sheet:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:  # said in our words: a library's message may carry server paths
        raise BadInputError(f"{path.name}: not a readable XLSX file (an .xlsx is a ZIP archive; this one is not, or is damaged)",
                            hint="re-save it from Excel as .xlsx, or export .csv") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise BadInputError(f"{path.name}: {len(infos):,} zip entries, above the limit of {limits.max_entries:,}", hint="not a normal workbook")
        total = sum(i.file_size for i in infos)
        if total > limits.max_unpacked_bytes:
            raise BadInputError(f"{path.name}: unpacks to {total:,} bytes, above the {limits.max_unpacked_bytes:,}-byte limit",
                                hint="a zip bomb, or a very large workbook: export the lines as .csv")
        for i in infos:
            if i.flag_bits & 0x1:
                raise BadInputError(f"{path.name}: encrypted workbook", hint="remove the password and save again")
            if i.file_size > 1_000_000 and i.file_size > limits.max_ratio * max(1, i.compress_size):
                raise BadInputError(f"{path.name}: entry {i.filename} compresses {i.file_size / max(1, i.compress_size):,.0f}:1, "
                                    f"above the {limits.max_ratio:g}:1 limit", hint="a zip bomb; not a normal workbook")
        names = {i.filename: i for i in infos}

        def open_part(name: str):
            info = names.get(name)
            if info is None:
                return None
            return io.BufferedReader(_Capped(zf.open(info), info.file_size, f"{path.name}: {name}"))

        sheets = _workbook_sheets(open_part, path)
        visible = [s for s in sheets if s[2] == "visible"]
        if wanted is not None:
            chosen = next((s for s in sheets if s[0] == wanted), None)
            if chosen is None:
                raise BadInputError(f"{path.name}: no sheet named {wanted!r}", hint=f"sheets: {', '.join(s[0] for s in sheets)}")
        elif not visible:
            raise BadInputError(f"{path.name}: the workbook has no visible sheet", hint="unhide the sheet with the lines")
        else:
            chosen = visible[0]
        strings = _shared_strings(open_part, path, limits)
        part = open_part(chosen[1])
        if part is None:
            raise BadInputError(f"{path.name}: sheet {chosen[0]!r} is missing from the file", hint="the file is damaged; re-save it")
        sheet = Sheet(str(path), chosen[0], [], "xlsx")
        if len(sheets) > 1:
            sheet.notes.append(f"read sheet {chosen[0]!r} of {len(sheets)} ({', '.join(s[0] for s in sheets)})")
        _sheet_rows(part, strings, sheet, path, limits)
        return sheet


def _parse(stream, path: Path, what: str, events: tuple[str, ...] = ("end",)):
    try:
        yield from ElementTree.iterparse(stream, events=events, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadInputError(f"{path.name}: {what} declares a DTD or entities ({type(exc).__name__})",
                            hint="XML entity expansion is refused; re-save the workbook from Excel") from exc
    except ElementTree.ParseError as exc:
        raise BadInputError(f"{path.name}: {what} is not valid XML ({exc})", hint="the file is damaged; re-save it") from exc


def _workbook_sheets(open_part, path: Path) -> list[tuple[str, str, str]]:
    """(name, part path, state) for each sheet, in workbook order."""
    wb, rels = open_part("xl/workbook.xml"), open_part("xl/_rels/workbook.xml.rels")
    if wb is None or rels is None:
        raise BadInputError(f"{path.name}: not an XLSX workbook (xl/workbook.xml missing)", hint="save it from Excel as .xlsx, or export .csv")
    targets = {}
    for _, el in _parse(rels, path, "xl/_rels/workbook.xml.rels"):
        if el.tag == f"{PKG_REL_NS}Relationship":
            target = el.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[el.get("Id")] = full
    out = []
    for _, el in _parse(wb, path, "xl/workbook.xml"):
        if el.tag == f"{NS}sheet":
            out.append((el.get("name", "?"), targets.get(el.get(f"{REL_NS}id"), ""), el.get("state", "visible")))
    return out


def _shared_strings(open_part, path: Path, limits: Limits) -> list[str]:
    part = open_part("xl/sharedStrings.xml")
    if part is None:
        return []
    strings: list[str] = []
    root = None
    for event, el in _parse(part, path, "xl/sharedStrings.xml", ("start", "end")):
        if event == "start":
            root = el if root is None else root
        elif el.tag == f"{NS}si":
            strings.append("".join(t.text or "" for t in el.iter(f"{NS}t"))[:limits.max_cell_chars])
            root.remove(el)  # keep memory flat however many strings there are
    return strings


_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheet_rows(part, strings: list[str], sheet: Sheet, path: Path, limits: Limits) -> None:
    hidden = formulas = 0
    merges: list[tuple[int, int, int, int]] = []
    by_number: dict[int, list[str]] = {}
    seen = 0
    data = None
    for event, el in _parse(part, path, f"sheet {sheet.name!r}", ("start", "end")):
        if event == "start":
            if el.tag == f"{NS}sheetData":
                data = el
            continue
        if el.tag == f"{NS}dimension":
            bottom = _REF.findall(el.get("ref", ""))
            if bottom and int(bottom[-1][1]) > 20 * limits.max_rows:
                raise BadInputError(f"{path.name}: sheet {sheet.name!r} spans {int(bottom[-1][1]):,} rows, above the limit of "
                                    f"{limits.max_rows:,} lines", hint="split the sheet into parts, or raise TRADEWINDS_BULK_MAX_ROWS")
        elif el.tag == f"{NS}row":
            seen += 1
            if seen > 20 * limits.max_rows:  # blank or hidden rows count too, so a sheet of empty rows ends quickly
                raise BadInputError(f"{path.name}: sheet {sheet.name!r} has more than {20 * limits.max_rows:,} rows",
                                    hint="delete the empty rows, or split the sheet")
            number = int(el.get("r", "0") or 0) or (max(by_number, default=0) + 1)
            if el.get("hidden") in ("1", "true"):
                hidden += 1
                _drop(data, el)
                continue
            cells: list[str] = []
            for c in el.iter(f"{NS}c"):
                m = _REF.match(c.get("r", ""))
                col = column_index(m.group(1)) if m else len(cells)
                if col >= limits.max_columns:
                    raise BadInputError(f"{path.name}: row {number} has a cell in column {col + 1}, above the limit of {limits.max_columns}",
                                        hint="remove unused columns")
                value, is_formula = _cell_text(c, strings)
                formulas += is_formula
                cells.extend([""] * (col + 1 - len(cells)))
                cells[col] = value
            _drop(data, el)
            before = len(sheet.rows)
            _add_row(sheet.rows, number, cells, path, limits)
            if len(sheet.rows) > before:
                by_number[number] = sheet.rows[-1][1]
        elif el.tag == f"{NS}mergeCell":
            found = _REF.findall(el.get("ref", ""))
            if len(found) == 2:
                (c1, r1), (c2, r2) = found
                merges.append((int(r1), column_index(c1), int(r2), column_index(c2)))
    for r1, c1, r2, c2 in merges[:10_000]:  # merged cells show their top-left value everywhere
        top = by_number.get(r1)
        value = top[c1] if top and c1 < len(top) else ""
        for r in range(r1, min(r2, r1 + limits.max_rows) + 1):
            row = by_number.get(r)
            if row is None or not value:
                continue
            row.extend([""] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                row[c] = row[c] or value
    if hidden:
        sheet.notes.append(f"skipped {hidden} hidden row(s)")
    if formulas:
        sheet.notes.append(f"{formulas} formula cell(s) read as text, not evaluated")


def _drop(parent, el) -> None:
    """Forget a parsed row, so memory stays flat over a million-row sheet."""
    if parent is not None:
        parent.remove(el)
    else:
        el.clear()


def _cell_text(c, strings: list[str]) -> tuple[str, bool]:
    kind = c.get("t", "n")
    f = c.find(f"{NS}f")
    v = c.find(f"{NS}v")
    if f is not None and f.text:
        return "=" + f.text, True
    if kind == "inlineStr":
        return "".join(t.text or "" for t in c.iter(f"{NS}t")), False
    text = v.text if v is not None and v.text is not None else ""
    if kind == "s":
        try:
            return strings[int(text)], False
        except (ValueError, IndexError):
            return "", False
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE", False
    if kind == "n" and text:
        try:
            number = float(text)
            return (str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)), False
        except ValueError:
            return text, False
    return text, False
