"""Landed cost at the destination: goods + freight + insurance + charges + duty, by Incoterm, each part an estimate
from a small documented table with its source, so offers quoted EXW, FOB, CIF or DDP compare on one basis.

Tables (``trade/data``, sources in PROVENANCE.md):
- ``unit_sizes.csv``: packed weight and volume per unit by HS heading (what a shipment weighs and fills);
- ``freight.toml``: indicative rates by zone pair for sea LCL and FCL, air and express, and the charges;
- ``duties.csv``: MFN applied duty, simple average by product group and destination (customs unions as one).

The basis is *delivered duty paid* at the destination's main port or airport: what the buyer pays beyond the
quoted price depends on the Incoterm (EXW: everything; FOB: from the ship's rail on; CIF: charges and duty at
arrival; DDP: nothing). VAT/GST is left out (importers usually recover it); so are trade remedies and
origin-specific tariffs. The mode is the cheapest of sea LCL/FCL, air and express for the shipment's size.
"""

from __future__ import annotations

import csv
import math
import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, Field

from ..catalog.reference import countries

EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT",
      "RO", "SK", "SI", "ES", "SE"}
GCC = {"AE", "SA", "QA", "KW", "OM", "BH"}
EAEU = {"RU", "BY", "KZ", "KG", "AM"}
DUTY_SOURCE = "WTO World Tariff Profiles 2024, MFN applied simple averages by product group (rounded, indicative)"
# HS chapter or heading -> product group of duties.csv (headings first)
_GROUPS = {"8471": "computers", "8528": "televisions", "9405": "lamps", "6302": "home_textiles", "6303": "home_textiles",
           "5705": "home_textiles", "5702": "home_textiles", "9506": "toys_sports", "9503": "toys_sports", "9004": "medical",
           "3005": "medical", "9018": "medical", "4015": "plastics", "6307": "home_textiles", "6505": "apparel",
           "3304": "cosmetics", "3305": "cosmetics", "3401": "cosmetics"}
_CHAPTERS = {**{c: "apparel" for c in ("61", "62", "65")}, **{c: "fabrics" for c in ("50", "51", "52", "53", "54", "55", "56", "58", "59", "60")},
             "63": "home_textiles", "57": "home_textiles", "64": "footwear", "42": "bags", "94": "furniture", "84": "machinery",
             "85": "electrical", "69": "ceramics_glass", "70": "ceramics_glass", "73": "metal_goods", "76": "metal_goods",
             "82": "metal_goods", "83": "metal_goods", "39": "plastics", "40": "plastics", "48": "paper", "49": "paper",
             "95": "toys_sports", "90": "medical", "30": "medical", "91": "watches_jewelry", "71": "watches_jewelry",
             "66": "misc_goods", "67": "misc_goods", "92": "misc_goods", "96": "misc_goods", "34": "cosmetics", "33": "cosmetics",
             "35": "misc_goods", "32": "misc_goods", "09": "food", "15": "food", "19": "food", "87": "vehicles", "44": "wood",
             "68": "ceramics_glass"}

Mode = Literal["sea LCL", "sea FCL", "air", "express", "domestic"]


class CostPart(BaseModel):
    name: str
    amount: float = Field(description="In the landed cost's currency, for the whole quantity")
    note: str = ""


class LandedCost(BaseModel):
    """An offer's cost delivered duty paid at the destination, with every part and assumption shown."""

    basis: str = Field(description="e.g. 'delivered duty paid to PT (main port or airport)'")
    currency: str
    unit: float = Field(description="Landed cost per unit")
    total: float
    mode: Mode
    incoterm: str = Field(description="The offer's Incoterm (FOB assumed when the record has none)")
    duty_rate: float = Field(description="Ad valorem duty applied, percent")
    parts: list[CostPart] = Field(description="Goods, then what the Incoterm leaves to the buyer")
    assumptions: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)


@cache
def _freight() -> dict:
    return tomllib.loads(resources.files("tradewinds.trade").joinpath("data/freight.toml").read_text(encoding="utf-8"))


@cache
def _sizes() -> dict[str, tuple[float, float, str]]:
    text = resources.files("tradewinds.trade").joinpath("data/unit_sizes.csv").read_text(encoding="utf-8")
    return {r["hs"]: (float(r["kg_per_unit"]), float(r["m3_per_unit"]), r["what"]) for r in csv.DictReader(text.splitlines())}


@cache
def _duties() -> dict[str, dict[str, float]]:
    text = resources.files("tradewinds.trade").joinpath("data/duties.csv").read_text(encoding="utf-8")
    return {r["group"]: {k: float(v) for k, v in r.items() if k != "group"} for r in csv.DictReader(text.splitlines())}


def zone(country: str) -> str:
    for name, members in _freight()["zones"].items():
        if country in members:
            return name
    region = (countries().get(country).region if country in countries() else None) or ""
    return {"Asia": "EAS", "Europe": "EUR", "Africa": "AFR", "Oceania": "OCE", "Americas": "LAM"}.get(region, "EUR")


def _lane(origin: str, destination: str) -> dict:
    lanes = _freight()["lanes"]
    a, b = zone(origin), zone(destination)
    return lanes.get(f"{a}-{b}") or lanes.get(f"{b}-{a}") or lanes["default"]


def unit_size(hs: str | None) -> tuple[float, float, str | None]:
    """(kg, m3, what) packed per unit: by HS heading, else chapter; (1 kg, 0.005 m3, None) when unknown."""
    sizes = _sizes()
    if hs and hs[:4] in sizes:
        return sizes[hs[:4]]
    if hs:
        same = [v for k, v in sizes.items() if k[:2] == hs[:2]]
        if same:
            kg, m3 = sum(v[0] for v in same) / len(same), sum(v[1] for v in same) / len(same)
            return kg, m3, f"HS chapter {hs[:2]} average"
    return 1.0, 0.005, None


def duty_rate(hs: str | None, destination: str) -> tuple[float | None, str | None]:
    """(percent, product group) of MFN duty for goods of this HS code entering ``destination``; None when unknown."""
    group = (_GROUPS.get((hs or "")[:4]) or _CHAPTERS.get((hs or "")[:2])) if hs else None
    key = "EU" if destination in EU else "GCC" if destination in GCC else "RU" if destination in EAEU else destination
    table = _duties()
    if group is None or key not in table.get(group, {}):
        return None, group
    return table[group][key], group


def freight_options(kg: float, m3: float, origin: str, destination: str) -> dict[Mode, float]:
    m, lane = _freight()["modes"], _lane(origin, destination)
    if origin == destination:
        return {"domestic": max(30.0, 20.0 * m3)}
    out: dict[Mode, float] = {"sea LCL": max(m3, m["lcl_min_m3"]) * lane["lcl_per_m3"]}
    if m3 >= m["fcl_from_m3"]:
        out["sea FCL"] = math.ceil(m3 / m["fcl_m3"]) * lane["fcl_per_container"]
    out["air"] = max(max(kg, m3 * m["air_kg_per_m3"]) * lane["air_per_kg"], m["air_min_usd"])
    if kg <= m["express_max_kg"]:
        out["express"] = max(kg * lane["express_per_kg"], m["express_min_usd"])
    return out


# What the buyer still pays beyond the quoted price, by Incoterm 2020
_PAYS = {"EXW": {"origin", "freight", "insurance", "charges", "duty"}, "FCA": {"freight", "insurance", "charges", "duty"},
         "FAS": {"freight", "insurance", "charges", "duty"}, "FOB": {"freight", "insurance", "charges", "duty"},
         "CFR": {"insurance", "charges", "duty"}, "CPT": {"insurance", "charges", "duty"}, "CIF": {"charges", "duty"},
         "CIP": {"charges", "duty"}, "DAP": {"clearance", "duty"}, "DPU": {"clearance", "duty"}, "DDP": set()}


def landed_cost(*, unit_price: float, price_currency: str, quantity: int, hs: str | None, origin: str | None, destination: str,
                incoterm: str | None, currency: str, fx: dict[str, float]) -> LandedCost | None:
    """The landed cost of ``quantity`` units, in ``currency``; None when a currency has no rate or the origin is unknown."""
    if origin is None or price_currency not in fx or currency not in fx:
        return None
    usd = fx[price_currency]
    goods = unit_price * quantity * usd
    kg1, m31, what = unit_size(hs)
    kg, m3 = kg1 * quantity, m31 * quantity
    options = freight_options(kg, m3, origin, destination)
    mode = min(options, key=options.get)
    m = _freight()["modes"]
    term = (incoterm or "FOB").upper()
    pays = _PAYS.get(term, _PAYS["FOB"])
    freight = options[mode]
    insurance = m["insurance_rate"] * (goods + freight)
    charges = max(m["destination_charges_min_usd"], m["destination_charges_usd_per_m3"] * m3) if mode != "domestic" else 0.0
    origin_cost = m["origin_charges_rate"] * goods
    rate, group = duty_rate(hs, destination)
    customs_value = goods + (0.0 if destination in ("US", "CA") else freight + insurance)
    duty = (rate or 0.0) / 100 * customs_value if origin != destination else 0.0
    parts_usd = [("goods", goods, f"{quantity:,} x {unit_price:g} {price_currency} {term}")]
    if "origin" in pays:
        parts_usd.append(("origin charges", origin_cost, f"export clearance and handling, {m['origin_charges_rate']:.0%} of goods"))
    if "freight" in pays:
        parts_usd.append((f"freight ({mode})", freight, f"{kg:,.0f} kg, {m3:,.2f} m3 from {origin} to {destination}"))
    if "insurance" in pays:
        parts_usd.append(("insurance", insurance, f"{m['insurance_rate']:.1%} of goods and freight"))
    if "charges" in pays or "clearance" in pays:
        share = 1.0 if "charges" in pays else 0.5
        parts_usd.append(("destination charges", charges * share, "terminal handling and import clearance"
                          if share == 1 else "import clearance"))
    if "duty" in pays:
        parts_usd.append(("duty", duty, f"{rate:g}% MFN on {(group or 'these goods').replace('_', ' ')} into {destination}" if rate is not None
                          else "unknown for this HS code and destination: 0 assumed"))
    to = 1 / fx[currency]
    parts = [CostPart(name=n, amount=round(a * to, 2), note=note) for n, a, note in parts_usd]
    total = sum(a for _, a, _ in parts_usd) * to
    assumptions = [f"{kg1:g} kg and {m31:g} m3 per unit packed ({what})" if what else
                   "packed size unknown for this HS code: 1 kg and 0.005 m3 per unit assumed",
                   f"cheapest mode for {kg:,.0f} kg / {m3:,.2f} m3: {mode}; "
                   + ", ".join(f"{k} {v * to:,.0f} {currency}" for k, v in sorted(options.items(), key=lambda kv: kv[1])),
                   f"shipped from the supplier's country ({origin})"]
    if incoterm is None:
        assumptions.append("the offer states no Incoterm: FOB assumed")
    if price_currency != currency:
        from .fx import rate_info

        for code in (price_currency, currency):
            info = rate_info(code, fx)
            if info is not None and code != "USD":
                assumptions.append(f"exchange rate: {info.describe()}")
    if rate is None:
        assumptions.append(f"no duty figure for HS {hs or '?'} into {destination}: duty left at 0")
    assumptions.append("VAT/GST, trade remedies and origin-specific tariffs not included")
    f = _freight()
    return LandedCost(basis=f"delivered duty paid to {destination} (main port or airport)", currency=currency,
                      unit=round(total / quantity, 4), total=round(total, 2), mode=mode, incoterm=term,
                      duty_rate=rate or 0.0, parts=parts, assumptions=assumptions,
                      sources=[f"freight: {f['source']}, {f['as_of']}", f"duty: {DUTY_SOURCE}",
                               "sizes: typical packed weight and volume per HS heading (Tradewinds estimates)"])
