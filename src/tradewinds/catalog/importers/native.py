"""Tradewinds' own catalog formats (documented in docs/catalog-formats.md).

CSV: one row per offer, with its product and supplier columns alongside.
JSONL: one typed record per line: ``{"type": "supplier"|"product"|"offer", ...}``
with the fields of ``SupplierIn``/``ProductIn``/``OfferIn``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from ...errors import BadInputError
from .base import CatalogFormat, ImportContext, ParsedRow

REQUIRED = ("offer_id", "product_id", "title", "supplier_id", "supplier_name", "supplier_country", "moq")
LIST_SEP = "|"


def parse_tiers(value: str) -> list[dict]:
    """``"1:12.50|100:11"`` -> tiers; raises ValueError with the offending part."""
    tiers = []
    for part in value.split(LIST_SEP):
        part = part.strip()
        if not part:
            continue
        qty, sep, price = part.partition(":")
        if not sep:
            raise ValueError(f"tier {part!r} has no ':'")
        try:
            tiers.append({"min_qty": int(qty), "unit_price": float(price)})
        except ValueError:
            raise ValueError(f"tier {part!r} is not min_qty:unit_price with numbers") from None
    return tiers


def parse_attributes(value: str) -> list[dict]:
    """``"capacity=12 L; material=stainless steel"``; a trailing unit after a number is split off."""
    out = []
    for part in value.split(";"):
        name, sep, raw = part.partition("=")
        if not sep or not name.strip():
            continue
        raw = raw.strip()
        number, _, unit = raw.partition(" ")
        try:
            out.append({"name": name.strip(), "value": float(number) if "." in number else int(number), "unit": unit.strip() or None})
        except ValueError:
            out.append({"name": name.strip(), "value": raw, "unit": None})
    return out


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(LIST_SEP) if v.strip()]


def _opt(row: dict, key: str):
    v = row.get(key)
    return None if v is None or v.strip() == "" else v.strip()


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y")


class NativeCSV(CatalogFormat):
    name = "csv"
    description = "Tradewinds CSV: one row per offer with product and supplier columns"
    columns = {"supplier.external_id": "supplier_id", "supplier.name": "supplier_name", "supplier.country": "supplier_country",
               "supplier.city": "supplier_city", "supplier.certifications": "supplier_certifications",
               "product.external_id": "product_id", "offer.external_id": "offer_id", "offer.price_tiers": "price_tiers",
               "offer.certifications": "certifications", "offer.moq": "moq", "offer.currency": "currency",
               "offer.ship_from_country": "ship_from_country", "offer.lead_time_days": "lead_time_days", "offer.incoterm": "incoterm"}
    delimiter = ","

    def rows(self, text: str, ctx: ImportContext) -> Iterator[ParsedRow]:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if "price_tiers" not in header and "unit_price" not in header:
            missing.append("price_tiers (or unit_price)")
        if missing:
            raise BadInputError(f"missing required column(s): {', '.join(missing)}; found: {', '.join(header) or 'none'}",
                                hint="see docs/catalog-formats.md for the column list; headers are lower-case")
        for n, raw in enumerate(reader, start=2):  # as a spreadsheet numbers rows: the header is row 1
            row = {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in raw.items()}
            yield self._parse(n, row, ctx)

    def _parse(self, n: int, row: dict, ctx: ImportContext) -> ParsedRow:
        pr = ParsedRow(row=n)
        tiers_raw = _opt(row, "price_tiers") or (f"{_opt(row, 'moq') or 1}:{_opt(row, 'unit_price')}" if _opt(row, "unit_price") else "")
        try:
            tiers = parse_tiers(tiers_raw)
        except ValueError as exc:
            pr.issues.append(ctx.issue(n, "price_tiers" if _opt(row, "price_tiers") else "unit_price", tiers_raw, str(exc),
                                       "write tiers as min_qty:unit_price separated by | (e.g. 100:4.50|500:4.10), numbers only"))
            tiers = []
        pr.supplier = {k: v for k, v in {
            "external_id": _opt(row, "supplier_id"), "name": _opt(row, "supplier_name"), "country": _opt(row, "supplier_country"),
            "city": _opt(row, "supplier_city"), "years_in_business": _opt(row, "years_in_business"),
            "certifications": _split(row.get("supplier_certifications")), "capabilities": _split(row.get("capabilities")),
            "export_markets": _split(row.get("export_markets")), "response_rate": _opt(row, "response_rate"),
            "on_time_delivery_rate": _opt(row, "on_time_delivery_rate"), "rating": _opt(row, "rating"),
            "verified": _bool(row.get("verified")),
        }.items() if v is not None}
        pr.product = {k: v for k, v in {
            "external_id": _opt(row, "product_id"), "title": _opt(row, "title"), "description": row.get("description", "") or "",
            "brand": _opt(row, "brand"), "model_number": _opt(row, "model_number"), "category": _opt(row, "category"),
            "hs_code": _opt(row, "hs_code"), "language": _opt(row, "language") or "en", "image_url": _opt(row, "image_url"),
            "attributes": parse_attributes(row.get("attributes") or ""),
        }.items() if v is not None}
        pr.offer = {k: v for k, v in {
            "external_id": _opt(row, "offer_id"), "product_external_id": _opt(row, "product_id"),
            "supplier_external_id": _opt(row, "supplier_id"), "currency": _opt(row, "currency") or "USD",
            "price_tiers": tiers, "moq": _opt(row, "moq"), "lead_time_days": _opt(row, "lead_time_days"),
            "incoterm": _opt(row, "incoterm"), "ship_from_port": _opt(row, "ship_from_port"),
            "ship_from_country": _opt(row, "ship_from_country"), "sample_available": _bool(row.get("sample_available")),
            "certifications": _split(row.get("certifications")),
        }.items() if v is not None}
        if not tiers:
            pr.offer.pop("price_tiers", None)
            if not pr.issues:
                pr.issues.append(ctx.issue(n, "price_tiers", "", "no price given", "fill in price_tiers or unit_price"))
        return pr


class NativeJSONL(CatalogFormat):
    name = "jsonl"
    description = "Tradewinds JSONL: typed supplier/product/offer records, one per line"

    def rows(self, text: str, ctx: ImportContext) -> Iterator[ParsedRow]:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            pr = ParsedRow(row=n)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                pr.issues.append(ctx.issue(n, None, line[:80], f"not valid JSON ({exc.msg} at column {exc.colno})",
                                           "write one JSON object per line"))
                yield pr
                continue
            kind = obj.pop("type", None) if isinstance(obj, dict) else None
            if kind not in ("supplier", "product", "offer"):
                pr.issues.append(ctx.issue(n, "type", kind, "record type missing or unknown",
                                           'set "type" to "supplier", "product" or "offer"'))
            else:
                setattr(pr, kind, obj)
            yield pr
