"""A product's claims, read deterministically from its text: every number with its unit, sizes, model codes,
materials, colours, certifications, pack quantities, and the numbers left over. A localized listing must carry the
same claims (after unit conversion) and no others; :mod:`checks` compares them.

Measures come from the sourcing spec reader (units in many scripts: '350 ml', '350毫升', '350 мл'), materials and
colours from its word lists (English names, native words mapped), certifications from the trade module's list, model
codes from the search tokenizer's rule (letters and digits together). Values are compared in one base unit per
dimension: 55 in = 1397 mm, 1.5 L = 1500 ml, 2 lb = 907 g, 68 °F = 20 °C.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ...lang.text import fold, unspaced
from ...search.text import codes as model_codes
from ...sourcing.specs import measures, to_base
from ...trade.certifications import KNOWN_CERTIFICATIONS

KINDS = ("measure", "size", "code", "certification", "material", "colour", "pack", "number")
REQUIRED = ("measure", "size", "code", "certification", "material", "pack")  # must survive; colours and bare numbers must only not change
# imperial units the spec reader leaves to others: unit as written -> (base unit, factor)
_IMPERIAL = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s?(lbs?|pounds?|ft|feet|foot|fl\.?\s?oz|°\s?[FC])(?![A-Za-z])", re.I)
_IMPERIAL_BASE = {"lb": ("g", 453.59237), "lbs": ("g", 453.59237), "pound": ("g", 453.59237), "pounds": ("g", 453.59237),
                  "ft": ("mm", 304.8), "feet": ("mm", 304.8), "foot": ("mm", 304.8), "floz": ("ml", 29.5735)}
_PACK = re.compile(r"(?:\b(?:pack|set|box|case|bundle)\s+of\s+(\d+)\b|\b(\d+)(?:er)?\s?-?\s?(?:pack|pk|pcs|pieces|piece|count|ct|pc|set)\b"
                   r"|(\d+)\s?(?:个装|件套|枚入り|個入り|개입|개\s?세트|stück|stk|pièces|piezas|peças|pezzi|штук|шт)(?!\w))", re.I)
_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)(?![\w.,]*\d)")
_CERTS = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(sorted((re.escape(c).replace(r"\ ", r"[\s-]?") for c in KNOWN_CERTIFICATIONS), key=len,
                                                           reverse=True)) + r")(?![A-Za-z0-9])", re.I)


@cache
def _words(kind: str) -> tuple[re.Pattern, dict[str, str]]:
    """words.toml's materials or colours as one pattern over folded text, and each word's English name."""
    table = tomllib.loads(Path(__file__).with_name("words.toml").read_text(encoding="utf-8"))[kind]
    names = {fold(w): name for name, words in table.items() for w in (name, *words)}
    parts = [re.escape(w) if unspaced(w[:1]) else rf"(?<![^\W\d_]){re.escape(w)}" for w in sorted(names, key=len, reverse=True)]
    return re.compile("|".join(parts)), names


def _named(kind: str, text: str) -> list[tuple[tuple[int, int], str]]:
    """Materials or colours named in ``text`` in any of the markets' languages, as English names, with spans (folding
    keeps offsets). A Latin word must start a word and end one or go on into a compound ('Kupferkabel')."""
    pattern, names = _words(kind)
    folded = fold(text)
    out = []
    for m in pattern.finditer(folded):
        word = m.group()
        if word.isascii() and len(word) <= 3 and re.match(r"[^\W\d_]", folded[m.end():m.end() + 1]):
            continue  # a short word ('or', 'lin', 'cam') only as itself, never at the start of another
        out.append((m.span(), names[word]))
    return out


@dataclass(frozen=True)
class Claim:
    kind: str
    value: str  # canonical: '1397mm', 'wh1000xm4', 'stainless steel', 'CE', '6'
    text: str  # as written

    def __str__(self) -> str:
        return self.text


def _num(raw: str) -> float:
    return float(raw.replace(",", "."))


def _fmt(x: float) -> str:
    return f"{round(x, 1):g}"


def extract(text: str) -> list[Claim]:
    """Every claim of ``text``, in order of appearance."""
    found: list[tuple[int, Claim]] = []
    taken: list[tuple[int, int]] = []

    def add(span: tuple[int, int], claim: Claim) -> None:
        found.append((span[0], claim))
        taken.append(span)

    def free(span: tuple[int, int]) -> bool:
        return not any(span[0] < y and x < span[1] for x, y in taken)

    for m in _IMPERIAL.finditer(text):
        unit = re.sub(r"[\s.]", "", m.group(2)).lower()
        if unit.startswith("°"):
            c = _num(m.group(1)) if unit == "°c" else (_num(m.group(1)) - 32) * 5 / 9
            add(m.span(), Claim("measure", f"{_fmt(c)}°C", m.group()))
        else:
            base, factor = _IMPERIAL_BASE[unit]
            add(m.span(), Claim("measure", f"{_fmt(_num(m.group(1)) * factor)}{base}", m.group()))
    for span, spec in measures(text):
        if not free(span):
            continue
        if spec.name == "size" and isinstance(spec.value, str):
            factor = to_base(1, spec.unit)[0] if spec.unit else 1
            dims = "x".join(_fmt(float(d) * factor) for d in spec.value.split("x"))
            add(span, Claim("size", f"{dims}{to_base(1, spec.unit)[1] or ''}", text[span[0]:span[1]]))
        elif isinstance(spec.value, float):
            value, unit = to_base(spec.value, spec.unit)
            add(span, Claim("measure", f"{_fmt(value)}{unit or ''}", text[span[0]:span[1]]))
        else:
            add(span, Claim("code", str(spec.value).lower(), text[span[0]:span[1]]))
    for m in _CERTS.finditer(text):
        if free(m.span()):
            name = next(c for c in KNOWN_CERTIFICATIONS if re.fullmatch(re.escape(c).replace(r"\ ", r"[\s-]?"), m.group(1), re.I))
            add(m.span(), Claim("certification", name, m.group(1)))
    for m in _PACK.finditer(text):
        if free(m.span()):
            add(m.span(), Claim("pack", next(g for g in m.groups() if g), m.group()))
    for m in re.finditer(r"\S+", text):
        if free(m.span()):
            for code in model_codes(m.group()):
                add(m.span(), Claim("code", code, m.group().strip(",.;:()")))
    for kind in ("material", "colour"):
        for span, name in _named(kind, text):
            if free(span):
                add(span, Claim(kind, name, text[span[0]:span[1]]))
    for m in _NUMBER.finditer(text):
        if free(m.span()):
            add(m.span(), Claim("number", _fmt(_num(m.group(1))), m.group(1)))
    return [c for _, c in sorted(found, key=lambda f: f[0])]


def compare(source: list[Claim], output: list[Claim]) -> tuple[list[Claim], list[Claim]]:
    """(claims of the output the source does not make: added or changed, claims of the source the output lost)."""
    have = Counter((c.kind, c.value) for c in source)
    said = Counter((c.kind, c.value) for c in output)
    added = [c for c in output if said[(c.kind, c.value)] and not have[(c.kind, c.value)]]
    lost = [c for c in source if c.kind in REQUIRED and not said[(c.kind, c.value)]]
    return list(dict.fromkeys(added)), list(dict.fromkeys(lost))
