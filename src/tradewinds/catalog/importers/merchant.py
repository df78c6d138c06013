"""Retail feed formats: Google Merchant Center (TSV and RSS/XML) and Shopify product CSV.

These feeds describe one merchant's products, so the supplier comes from the import
options (``--supplier-name``, ``--supplier-country``); each product gets one offer.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ...errors import BadInputError
from ...lang import fold
from .base import CatalogFormat, ImportContext, ParsedRow

G = "{http://base.google.com/ns/1.0}"
_PRICE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})?\s*$")
_TAG = re.compile(r"<[^>]+>")


def _supplier(ctx: ImportContext) -> dict:
    """The feed's merchant, from the import options. Its id comes from its name and country, so two merchants' feeds
    never overwrite each other (their product ids are namespaced by it too: both may have a 'SKU-1')."""
    d = ctx.supplier_defaults
    if not d.get("country") or not (d.get("name") or "").strip():
        raise BadInputError("this feed format carries no supplier, and no supplier name and country were given",
                            hint="pass --supplier-name NAME --supplier-country CC (ISO alpha-2, e.g. CN): the merchant whose feed it is")
    name = " ".join(d["name"].split())
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "merchant"
    return {"external_id": d.get("external_id") or f"{slug}.{d['country'].lower()}", "name": name, "country": d["country"],
            "verified": False}


def _own(supplier: dict, item_id: str) -> str:
    return f"{supplier['external_id']}/{item_id}" if item_id else ""


def _money(ctx: ImportContext, n: int, column: str, value: str, pr: ParsedRow) -> tuple[float, str] | None:
    m = _PRICE.match(value or "")
    if not m:
        pr.issues.append(ctx.issue(n, column, value, "price is not a number followed by an ISO currency code",
                                   "write it like 12.50 USD"))
        return None
    return float(m.group(1).replace(",", ".")), (m.group(2) or "USD").upper()


def _merchant_row(ctx: ImportContext, n: int, item: dict[str, str], pr: ParsedRow) -> ParsedRow:
    pr.supplier = _supplier(ctx)
    pid = _own(pr.supplier, (item.get("id") or "").strip())
    money = _money(ctx, n, "price", item.get("price", ""), pr)
    desc = _TAG.sub(" ", html.unescape(item.get("description", "")))
    pr.product = {"external_id": pid, "title": (item.get("title") or "").strip(), "description": desc.strip()[:20000],
                  "brand": item.get("brand") or None, "model_number": item.get("mpn") or item.get("gtin") or None,
                  "category": item.get("product_type") or item.get("google_product_category") or None,
                  "image_url": item.get("image_link") or None}
    if money:
        lead = item.get("max_handling_time") or None
        pr.offer = {"external_id": pid, "product_external_id": pid, "supplier_external_id": pr.supplier["external_id"],
                    "currency": money[1], "price_tiers": [{"min_qty": 1, "unit_price": money[0]}], "moq": 1,
                    "lead_time_days": lead, "ship_from_country": pr.supplier["country"]}
    return pr


class GoogleMerchantTSV(CatalogFormat):
    name = "gmc-tsv"
    description = "Google Merchant Center product feed, tab-separated"
    REQUIRED = ("id", "title", "price")

    def rows(self, text: str, ctx: ImportContext) -> Iterator[ParsedRow]:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in self.REQUIRED if c not in header]
        if missing:
            raise BadInputError(f"missing required column(s): {', '.join(missing)}; found: {', '.join(header) or 'none'}",
                                hint="a Merchant Center feed needs id, title and price columns (tab-separated)")
        _supplier(ctx)
        for n, raw in enumerate(reader, start=2):  # as a spreadsheet numbers rows: the header is row 1
            item = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str) or v is None}
            yield _merchant_row(ctx, n, item, ParsedRow(row=n))


class GoogleMerchantXML(CatalogFormat):
    name = "gmc-xml"
    description = "Google Merchant Center product feed, RSS 2.0 / XML with the g: namespace"

    def rows(self, text: str, ctx: ImportContext) -> Iterator[ParsedRow]:
        try:
            root = ElementTree.fromstring(text.encode("utf-8"), forbid_dtd=True)
        except DefusedXmlException as exc:
            raise BadInputError(f"XML refused for safety: {type(exc).__name__}", hint="feeds must not declare DTDs or entities") from None
        except ElementTree.ParseError as exc:
            raise BadInputError(f"not well-formed XML: {exc}", hint="validate the feed XML") from None
        items = root.findall("./channel/item") or root.findall(".//item") or root.findall(".//{http://www.w3.org/2005/Atom}entry")
        if not items:
            raise BadInputError("no <item> elements found", hint="a Merchant Center RSS feed has <rss><channel><item>…")
        _supplier(ctx)
        for n, el in enumerate(items, start=1):
            item = {}
            for child in el:
                tag = child.tag.replace(G, "").split("}")[-1]
                item[tag] = (child.text or "").strip()
            yield _merchant_row(ctx, n, item, ParsedRow(row=n))


class ShopifyCSV(CatalogFormat):
    name = "shopify"
    description = "Shopify product CSV export (one row per variant; image-only rows are skipped)"
    REQUIRED = ("Handle", "Title", "Variant Price")
    columns = {"offer.price_tiers": "Variant Price", "product.title": "Title", "product.external_id": "Handle"}

    def rows(self, text: str, ctx: ImportContext) -> Iterator[ParsedRow]:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in self.REQUIRED if c not in header]
        if missing:
            raise BadInputError(f"missing required column(s): {', '.join(missing)}; found: {', '.join(header[:12]) or 'none'}",
                                hint="export products from Shopify admin (Products > Export > CSV for Excel or plain CSV)")
        supplier = _supplier(ctx)
        parent: dict[str, dict[str, str]] = {}
        for n, raw in enumerate(reader, start=2):  # as a spreadsheet numbers rows: the header is row 1
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str) or v is None}
            handle = row.get("Handle", "")
            if row.get("Title"):
                parent[handle] = row
            if not row.get("Variant Price") and not row.get("Variant SKU"):
                continue  # image-only continuation row
            base = parent.get(handle, row)
            options = [row.get(f"Option{i} Value", "") for i in (1, 2, 3)]
            options = [o for o in options if o and o != "Default Title"]
            vid = row.get("Variant SKU") or "/".join(options) or str(n)
            ext = _own(supplier, f"{handle}:{vid}")
            pr = ParsedRow(row=n, supplier=supplier)
            title = base.get("Title", "") + (f" - {' / '.join(options)}" if options else "")
            desc = _TAG.sub(" ", html.unescape(base.get("Body (HTML)", "")))
            pr.product = {"external_id": ext, "title": title, "description": " ".join(desc.split())[:20000],
                          "brand": base.get("Vendor") or None, "model_number": row.get("Variant SKU") or None,
                          "category": base.get("Type") or base.get("Product Category") or None,
                          "image_url": row.get("Image Src") or base.get("Image Src") or None}
            price = row.get("Variant Price", "")
            try:
                value = float(price)
            except ValueError:
                pr.issues.append(ctx.issue(n, "Variant Price", price, "price is not a number", "write a plain number such as 19.99"))
                yield pr
                continue
            pr.offer = {"external_id": ext, "product_external_id": ext, "supplier_external_id": supplier["external_id"],
                        "currency": ctx.supplier_defaults.get("currency") or "USD",
                        "price_tiers": [{"min_qty": 1, "unit_price": value}], "moq": 1, "ship_from_country": supplier["country"]}
            yield pr
