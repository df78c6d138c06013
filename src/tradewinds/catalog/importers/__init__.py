"""Catalog importers: Tradewinds CSV/JSONL, Google Merchant Center TSV/XML, Shopify CSV."""

from pathlib import Path

from ...errors import BadInputError
from .base import CatalogFormat, run_import
from .merchant import GoogleMerchantTSV, GoogleMerchantXML, ShopifyCSV
from .native import NativeCSV, NativeJSONL

FORMATS: dict[str, type[CatalogFormat]] = {f.name: f for f in (NativeCSV, NativeJSONL, GoogleMerchantTSV, GoogleMerchantXML, ShopifyCSV)}


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix in (".xml", ".rss"):
        return "gmc-xml"
    if suffix in (".tsv", ".txt"):
        return "gmc-tsv"
    if suffix == ".csv":
        with path.open("rb") as f:
            first_line = f.read(4096).decode("utf-8", "replace").splitlines()[:1]
        return "shopify" if first_line and first_line[0].lstrip("\ufeff").startswith("Handle,") else "csv"
    raise BadInputError(f"cannot tell the format of {path.name!r} from its extension",
                        hint=f"pass --format with one of: {', '.join(FORMATS)}")


def get_format(name: str) -> CatalogFormat:
    if name not in FORMATS:
        raise BadInputError(f"unknown catalog format {name!r}", hint=f"use one of: {', '.join(FORMATS)}")
    return FORMATS[name]()


__all__ = ["FORMATS", "CatalogFormat", "get_format", "guess_format", "run_import"]
