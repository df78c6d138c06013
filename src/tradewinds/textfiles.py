"""Opening untrusted text files (catalog feeds, bulk sheets): size limit, encoding detection, one clear error each."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from .errors import BadInputError

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_text(path: Path, *, max_bytes: int, formats: str = "CSV, TSV, JSONL or XML") -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first; otherwise the detected legacy encoding."""
    if not path.exists():
        raise BadInputError(f"{path.name}: file not found", hint="check the path")
    size = path.stat().st_size
    if size > max_bytes:
        raise BadInputError(f"{path.name}: file is {size:,} bytes, above the {max_bytes:,}-byte import limit",
                            hint="split the file, or raise TRADEWINDS_MAX_IMPORT_BYTES")
    data = path.read_bytes()
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if b"\x00" in data[:4096] and not data.startswith(codecs.BOM_UTF16_LE):
        raise BadInputError(f"{path.name}: looks binary (NUL bytes), not a text file", hint=f"export it as {formats}")
    best = from_bytes(data).best()
    # Short Western files are often mis-guessed as cp1250: prefer Excel's usual cp1252 when it fits.
    if best is not None and best.encoding.startswith(("cp125", "latin", "iso8859")) and _fits(data, "cp1252"):
        return data.decode("cp1252"), "cp1252"
    if best is None or best.encoding in ("utf_8",):
        raise BadInputError(
            f"{path.name}: not valid UTF-8 (byte {data[utf8_error.start]:#04x} at offset {utf8_error.start}) and no other encoding fits",
            hint="re-save the file as UTF-8 (in Excel: Save As > CSV UTF-8)")
    return str(best), best.encoding


def _fits(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
