"""Public reference tables shipped with the package: HS 2022, ISO 3166, ISO 4217, Incoterms 2020.

Loaded lazily once per process. Provenance in ``reference_data/PROVENANCE.md``.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from pydantic import BaseModel


class HSCode(BaseModel):
    code: str
    description: str
    parent: str | None
    section: str


class Country(BaseModel):
    alpha2: str
    alpha3: str
    name: str
    currency: str | None
    region: str | None


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("tradewinds.catalog").joinpath("reference_data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def hs_codes() -> dict[str, HSCode]:
    return {
        r["code"]: HSCode(code=r["code"], description=r["description"],
                          parent=None if r["parent"] == "TOTAL" else r["parent"], section=r["section"])
        for r in _rows("hs2022.csv")
    }


def hs_code_exists(code: str) -> bool:
    return code in hs_codes()


@cache
def countries() -> dict[str, Country]:
    return {
        r["alpha2"]: Country(alpha2=r["alpha2"], alpha3=r["alpha3"], name=r["name_en"] or r["official_en"],
                             currency=r["currency"] or None, region=r["region"] or None)
        for r in _rows("countries.csv")
    }


def _norm(name: str) -> str:
    name = re.sub(r"\(.*?\)", "", name.lower())
    return re.sub(r"[^\w]+", " ", name).strip()


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    aliases = {"usa": "US", "us": "US", "america": "US", "uk": "GB", "britain": "GB", "england": "GB",
               "uae": "AE", "emirates": "AE", "dubai": "AE", "korea": "KR", "south korea": "KR",
               "vietnam": "VN", "russia": "RU", "taiwan": "TW", "turkey": "TR", "türkiye": "TR", "china mainland": "CN"}
    for r in _rows("countries.csv"):
        for col in ("name_en", "name_es", "name_fr", "name_zh", "name_ar", "name_ru", "official_en"):
            if r[col]:
                names.setdefault(_norm(r[col]), r["alpha2"])
    names.update(aliases)
    return names


def country_code(value: str) -> str | None:
    """ISO alpha-2 for a code (``cn``, ``CHN``) or a name in en/es/fr/zh/ar/ru; None if unknown."""
    v = value.strip()
    if len(v) == 2 and v.upper() in countries():
        return v.upper()
    if len(v) == 3 and v.isalpha():
        for c in countries().values():
            if c.alpha3 == v.upper():
                return c.alpha2
    return _country_names().get(_norm(v))


@cache
def currencies() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _rows("currencies.csv")}


def currency_exists(code: str) -> bool:
    return code in currencies()


@cache
def _minor_units() -> dict[str, int]:
    return {r["code"]: int(r["minor_unit"]) for r in _rows("currencies.csv") if r["minor_unit"].strip().isdigit()}


def currency_minor_unit(code: str) -> int | None:
    """Decimal places of the currency's minor unit (USD 2, JPY 0, KWD 3), ISO 4217; None for an unknown code."""
    return _minor_units().get(code.upper())


@cache
def incoterms() -> dict[str, str]:
    return {r["code"]: r["name"] for r in _rows("incoterms2020.csv")}
