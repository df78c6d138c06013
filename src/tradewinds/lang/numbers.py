"""Numbers as buyers write them: '5 000', '1.000', '2.500.000', '1,20', '60k', '15 mil', '500 juta', '5천만', '2 लाख'.

Which of '.' and ',' is the decimal mark follows the writer's language (CLDR): '1.000' is a
thousand in German and '1,20' one point two in French; '1,200' is 1200 in English. A number word
after a number multiplies it, in the writer's language only ('4 mil' is a thickness in English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cldr import multipliers, number_symbols
from .text import fold, unspaced

_SPACES = " \u00a0\u202f\u2009'’"
# 1-3 digits then groups of exactly three after a space, dot, comma or apostrophe; or a plain run; then decimals.
# Not inside another number ('1,200' is one), but right after punctuation it is one ('制冰机，30天', 'chairs,30 days').
NUMBER = re.compile(rf"(?<!\d)(?<!\d[.,])(?:\d{{1,3}}(?:[{_SPACES}.,]\d{{3}})+|\d+)(?:[.,]\d+)?(?![\d])")
_UNIVERSAL = {"k": 1e3, "K": 1e3, "千": 1e3, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "천": 1e3, "만": 1e4, "억": 1e8}


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int  # after any multiplier word
    raw: str


def _space_groups(lang: str) -> bool:
    return number_symbols(lang)[1] in ("\u00a0", "\u202f", " ")


def parse(raw: str, lang: str = "en") -> float:
    """'5 000' -> 5000, '1.000' (de) -> 1000, '1,20' (fr) -> 1.2, '1,200' (en) -> 1200, '2,5' -> 2.5."""
    decimal = number_symbols(lang)[0] if lang else "."
    s = "".join(ch for ch in raw if ch not in _SPACES)
    if "," in s and "." in s:
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "").replace(",", ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        s = s.replace(",", "").replace(".", "")
    elif "," in s:
        tail = s.rpartition(",")[2]
        s = s.replace(",", "") if len(tail) == 3 and decimal == "." else s.replace(",", ".")
    elif "." in s:
        tail = s.rpartition(".")[2]
        if len(tail) == 3 and decimal == "," and not s.startswith("0"):
            s = s.replace(".", "")
    return float(s)


def _multiplier_re(lang: str) -> re.Pattern:
    words = {**{fold(w): f for w, f in multipliers().get(lang, {}).items()}}
    alts = sorted(words, key=len, reverse=True)
    spaced = "|".join(re.escape(w) for w in alts if not unspaced(w))
    tight = "|".join(re.escape(w) for w in [*alts, *_UNIVERSAL] if unspaced(w))
    parts = []
    if spaced:
        parts.append(rf"\s?(?P<word>{spaced})(?![^\W\d_])")
    if tight:
        parts.append(rf"\s?(?P<tight>{tight})")
    parts.append(r"(?P<k>[kK])(?![^\W\d_])")
    return re.compile("|".join(parts))


_CACHE: dict[str, re.Pattern] = {}


def find_numbers(text: str, lang: str = "en") -> list[Number]:
    """Every number in ``text`` with its value, multiplier words applied ('60k', '15 mil', '5천만')."""
    rx = _CACHE.get(lang) or _CACHE.setdefault(lang, _multiplier_re(lang))
    folded = fold(text)
    words = {fold(w): f for w, f in multipliers().get(lang, {}).items()}
    out: list[Number] = []
    spaced_ok = _space_groups(lang)
    pos = 0
    while (m := NUMBER.search(text, pos)) is not None:
        raw, end = m.group(0), m.end()
        pos = end
        if re.search(r"\d[ \u2009'’]\d", raw) and (not spaced_ok or re.match(r"[^\W\d_]", text[end:end + 1])):
            # '300 500ml' is two numbers; '10 000 pcs' one, and in French '5 000' always one
            if not spaced_ok and not re.match(r"[^\W\d_]", text[end:end + 1]) and re.fullmatch(r"\d{1,3}(?: \d{3})+", raw):
                pass
            else:
                raw = re.match(r"\d+(?:[.,]\d+)?", raw).group(0)
                end = pos = m.start() + len(raw)
        value = parse(raw, lang)
        while (mm := rx.match(folded, end)) is not None:  # '5천만' is 5 x 1000 x 10000
            g = mm.groupdict()
            if g.get("word"):
                factor = words[mm.group("word")]
            elif g.get("tight"):
                factor = _UNIVERSAL.get(mm.group("tight")) or words.get(mm.group("tight"), 1.0)
            elif value >= 1000 and text[mm.start("k")] == "K":  # 2700K is a colour temperature
                break
            else:
                factor = 1e3
            value *= factor
            end = mm.end()
        out.append(Number(value, m.start(), end, text[m.start():end]))
    return out
