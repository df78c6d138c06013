"""Refund cases and past decisions as CSV (the format of docs/refunds.md), read as untrusted input and written whole.

Every problem names the file, the row as a spreadsheet numbers it (the header is row 1), the column, what was
expected and how to fix it; a file with any bad row is refused whole with all its problems listed (up to 20), so
nothing is learned from, or decided on, half a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError

from ...errors import BadInputError
from ...files import atomic_write
from ...textfiles import read_text
from .schemas import DECISIONS, DELIVERY, REASONS, PastDecision, RefundCase, RefundDecision

CASE_COLUMNS = ("case_id", "currency", "order_total", "item_price", "category", "reason", "reason_text", "delivery_status",
                "days_since_delivery", "tracking_signed", "evidence_photos", "buyer_orders", "buyer_refunds", "return_shipping_cost")
EXTRA_COLUMNS = ("order_id", "item_id", "already_refunded", "lang")
HISTORY_COLUMNS = CASE_COLUMNS + ("decision", "refund_amount")
DECISION_COLUMNS = ("case_id", "decision", "refund_amount", "currency", "confidence", "reasons", "predicted", "source", "signals", "lang", "message",
                    "status")
MAX_BYTES = 200 * 1024 * 1024
TRUE, FALSE = {"true", "yes", "y", "1", "signed"}, {"false", "no", "n", "0", "unsigned"}
EXPECTED = {"reason": "one of " + ", ".join(REASONS), "delivery_status": "one of " + ", ".join(DELIVERY),
            "decision": "one of " + ", ".join(DECISIONS), "tracking_signed": "true or false (or blank when unknown)",
            "currency": "a three-letter ISO 4217 code such as USD"}


def _cell(column: str, raw: str) -> object:
    value = raw.strip()
    if value == "":
        return None
    if column == "tracking_signed":
        low = value.lower()
        if low in TRUE or low in FALSE:
            return low in TRUE
        return value  # the model's validation names it
    if column in ("reason", "delivery_status", "decision"):
        return value.lower().replace(" ", "_").replace("-", "_")
    return value


def _read(path: Path, model: type[RefundCase], required: tuple[str, ...]) -> list:
    text, _ = read_text(path, max_bytes=MAX_BYTES, formats="CSV")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise BadInputError(f"{path.name}: the column(s) {', '.join(missing)} are missing (row 1, the header)",
                            hint=f"the header must name at least: {', '.join(required)}; see docs/refunds.md")
    known = set((HISTORY_COLUMNS if model is PastDecision else CASE_COLUMNS) + EXTRA_COLUMNS)
    out, problems, seen = [], [], {}
    for number, row in enumerate(reader, start=2):
        fields = {h: _cell(h, v or "") for h, v in zip(header, row.values()) if h in known}
        try:
            record = model(**{k: v for k, v in fields.items() if v is not None})
        except ValidationError as exc:
            for e in exc.errors():
                column = str(e["loc"][0]) if e["loc"] else ""
                expected = EXPECTED.get(column, e["msg"][:1].lower() + e["msg"][1:])
                got = fields.get(column) if column else None
                problems.append(f"row {number}" + (f", column {column}" if column else "") + (f": got {got!r}" if got is not None else ": blank")
                                + f"; expected {expected}" if column else f"row {number}: {e['msg']}")
            continue
        if record.case_id in seen:
            problems.append(f"row {number}, column case_id: {record.case_id!r} is already on row {seen[record.case_id]}; each case once")
            continue
        seen[record.case_id] = number
        out.append(record)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BadInputError(f"{path.name}: {len(problems)} problem(s); nothing was read\n{shown}{more}",
                            hint="fix those cells (blank is allowed where a value is unknown, except case_id, currency, item_price and reason)")
    if not out:
        raise BadInputError(f"{path.name}: no rows under the header", hint="one case per row, see docs/refunds.md")
    return out


def read_cases(path: Path) -> list[RefundCase]:
    return _read(Path(path), RefundCase, ("case_id", "currency", "item_price", "reason"))


def read_history(path: Path) -> list[PastDecision]:
    return _read(Path(path), PastDecision, ("case_id", "currency", "item_price", "reason", "decision"))


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def write_history(path: Path, rows: Iterable[RefundCase], columns: tuple[str, ...] = HISTORY_COLUMNS + EXTRA_COLUMNS) -> int:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    n = 0
    for r in rows:
        d = r.model_dump()
        w.writerow([_text(d.get(c)) for c in columns])
        n += 1
    atomic_write(Path(path), buf.getvalue())
    return n


def write_cases(path: Path, rows: Iterable[RefundCase]) -> int:
    """Cases to decide: the case columns only (a past decision's outcome left out)."""
    return write_history(path, rows, CASE_COLUMNS + EXTRA_COLUMNS)


def write_decisions(path: Path, decisions: Iterable[tuple[RefundDecision, str]]) -> int:
    """One row per case: the decision, and where it stands (proposed, escalated, pending_approval, executed)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(DECISION_COLUMNS)
    n = 0
    for d, status in decisions:
        w.writerow([d.case_id, d.decision, _text(d.refund_amount), d.currency, f"{d.confidence:.3f}",
                    "; ".join(f.text for f in d.reasons), d.predicted or "", d.source, "; ".join(f.text for f in d.signals), d.lang, d.message,
                    status])
        n += 1
    atomic_write(Path(path), buf.getvalue())
    return n
