"""Lexicons from CLDR (through Babel) in every language Tradewinds reads: territory names,
currency names and symbols, number words ("mil", "Tausend", "juta", "万", "लाख") and duration
words ("jours", "Wochen", "дней", "日", "วัน"). Built once per process from Babel's locale data.

Keys are folded (:func:`tradewinds.lang.text.fold`): lower case, Latin accents removed.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from ..catalog.reference import countries, currencies
from .cues import LANGUAGES, table
from .text import fold, unspaced

# Where the currency noun sits in a currency's display name ("dollar des États-Unis" vs "US-Dollar").
_HEAD_LAST = {"en", "de", "nl", "ja", "zh", "ko", "hi", "tr", "th"}
# When one currency word names several currencies ("dollar", "peso", "franc"), the most traded wins.
PRIORITY = ("USD", "EUR", "CNY", "GBP", "JPY", "INR", "KRW", "AED", "SAR", "MXN", "BRL", "TRY", "RUB", "CHF", "AUD", "CAD", "HKD",
            "SGD", "PLN", "IDR", "THB", "VND", "EGP", "ZAR", "NGN", "RON", "SEK", "NOK", "DKK", "CZK", "HUF", "KZT", "KES")
_NOT_HEADS = {"novo", "nowy", "nowe", "nowa", "nuevo", "nueva", "nouveau", "nouvelle", "neuer", "neue", "new", "nieuwe", "nuovo", "yeni"}


def _plain(x):
    try:
        return {k: _plain(v) for k, v in x.items()}
    except AttributeError:
        return x


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(lang)


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", fold(re.sub(r"\s*\(.*?\)\s*", " ", name))).strip(" .")


@cache
def territory_names() -> dict[str, str]:
    """Folded country name in any supported language -> ISO alpha-2 (countries only, no regions)."""
    known = countries()
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        for code, name in locale(lang).territories.items():
            if code in known and name:
                out.setdefault(_norm(name), code)
    for c in known.values():
        out.setdefault(_norm(c.name), c.alpha2)
    return out


# Not money a buyer pays in: precious metals, SDRs, test codes, fund and accounting units.
NOT_TENDER = {"XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XUA", "XSU", "XBA", "XBB", "XBC", "XBD", "CHE", "CHW", "CLF",
              "COU", "MXV", "USN", "UYI", "UYW", "BOV", "VED"}


def _rank(codes: set[str]) -> str:
    return min(codes, key=lambda c: (PRIORITY.index(c) if c in PRIORITY else len(PRIORITY), c))


@cache
def currency_words() -> dict[str, str]:
    """Folded currency name, plural form, head word or symbol -> ISO 4217 code. A word naming several
    currencies ('dollar') maps to the most traded of them."""
    active = {c for c in currencies() if c not in NOT_TENDER}
    words: dict[str, set[str]] = {}
    heads: dict[str, set[str]] = {}

    def add(word: str, code: str) -> None:
        w = _norm(word)
        if w and (len(w) >= 2 or unspaced(w) or not w.isalnum()):
            words.setdefault(w, set()).add(code)

    for lang in LANGUAGES:
        data = locale(lang)._data
        names = _plain(data["currency_names"])
        plurals = _plain(data["currency_names_plural"])
        for code in active:
            forms = [names.get(code)] + list((plurals.get(code) or {}).values())
            for form in filter(None, forms):
                add(form, code)
                parts = re.split(r"[\s-]+", form.strip())
                if len(parts) > 1:
                    heads.setdefault(_norm(parts[-1] if lang in _HEAD_LAST else parts[0]), set()).add(code)
        for code, symbol in _plain(data["currency_symbols"]).items():
            if code in active and symbol and not re.fullmatch(r"[A-Z]{3}", symbol):
                add(symbol, code)
    for head, codes in heads.items():  # a currency noun several currencies share ('dollar', 'peso', 'franc'), not 'unidad'
        if len(codes) >= 2 and len(head) >= 3 and head not in _NOT_HEADS:
            words.setdefault(head, set()).update(codes)
    for lang_words in table()["currency_words"].values():
        for word, code in lang_words.items():
            words[_norm(word)] = {code}
    return {w: _rank(codes) for w, codes in words.items()}


def is_currency_code(value: str) -> bool:
    """An ISO 4217 code of money people pay in ('usd', 'EUR'); 'RMB', the everyday name of the yuan, counts too."""
    code = value.strip().upper()
    return code == "RMB" or (code in currencies() and code not in NOT_TENDER)


@cache
def _currency_pattern() -> re.Pattern:
    words = sorted(currency_words(), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) if unspaced(w) or not w.isalnum() else rf"(?<!\w){re.escape(w)}(?!\w)"
                               for w in words))


_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")


def currency_in(text: str) -> str | None:
    """The currency a short text names (a header 'Target price (USD)', a cell '12 €', '单价 元'): an ISO code first
    (in capitals, or the whole text: 'all' and 'cup' are words, 'ALL' and 'usd' are codes), else a currency name or
    symbol in any language CLDR knows."""
    codes = [text.strip()] if len(text.strip()) == 3 else []
    for code in [*codes, *_CODE.findall(text)]:
        if is_currency_code(code):
            return "CNY" if code.upper() == "RMB" else code.upper()
    m = _currency_pattern().search(fold(text))
    return currency_words()[m.group(0)] if m else None


@cache
def multipliers() -> dict[str, dict[str, float]]:
    """language -> folded number word -> factor: 'mil' 1e3 (pt, es), 'juta' 1e6 (id), '万' 1e4 (zh, ja), 'लाख' 1e5 (hi)."""
    out: dict[str, dict[str, float]] = {}
    for lang in LANGUAGES:
        words: dict[str, float] = {}
        for length in _plain(locale(lang)._data["compact_decimal_formats"]).values():
            for plural in length.values():
                for magnitude, pattern in plural.items():
                    raw = str(getattr(pattern, "pattern", pattern))
                    zeros = raw.count("0")
                    word = _norm(raw.replace("0", "").replace("'", ""))
                    if zeros and word and (len(word) >= 2 or unspaced(word)):
                        words.setdefault(word, float(magnitude) / 10 ** (zeros - 1))
        out[lang] = words
    return out


# days per unit; a year is a duration too ('warranty 2 years'), never a lead time (0). Hours are left to the term
# reader (understand.py): their word is often a product's too ('ساعة' an hour and a watch, 'часов' hours and watches)
_DURATIONS = {"duration-day": 1, "duration-week": 7, "duration-month": 30, "duration-year": 0}


@cache
def duration_words() -> dict[str, int]:
    """Folded duration word in any supported language -> days: 'jours' 1, 'Wochen' 7, 'месяцев' 30, 'か月' 30; 0 for
    the words of years ('Jahre', 'años', 'tahun', 'साल'), which are durations but no lead time."""
    out: dict[str, int] = {}
    for lang in LANGUAGES:
        patterns = _plain(locale(lang)._data["unit_patterns"])
        for unit, days in _DURATIONS.items():
            for length, forms in patterns.get(unit, {}).items():
                if days == 0 and length != "long":
                    continue  # years by their full names only: 'yr', 'an' are also other words
                for plural, pattern in forms.items():
                    if plural == "per":
                        continue
                    word = _norm(pattern.replace("{0}", ""))
                    if days == 0 and word.isascii() and len(word) < 3:
                        continue
                    if len(word) >= 2 or (unspaced(word) and word not in ("月",)):
                        out.setdefault(word, days)
    for concept, days in (("day_words", 1), ("week_words", 7), ("month_words", 30), ("year_words", 0)):
        for ws in table()[concept].values():
            for w in ws:
                out.setdefault(_norm(w), days)
    return out


def number_symbols(lang: str) -> tuple[str, str]:
    """(decimal, group) separators of a language's Latin digits: ('.', ',') in en, (',', ' ') in fr."""
    symbols = locale(lang).number_symbols
    latn = symbols.get("latn", symbols) if hasattr(symbols, "get") else symbols
    return latn.get("decimal", "."), latn.get("group", ",")
