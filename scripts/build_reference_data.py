"""Rebuild src/tradewinds/catalog/reference_data from the public copies in ../shared/data.

Usage: python scripts/build_reference_data.py [--shared ../shared/data]
The outputs are small, factual, public-domain / factual-list tables (see PROVENANCE.md).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/tradewinds/catalog/reference_data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    shared = parser.parse_args().shared
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
