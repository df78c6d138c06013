"""Trade glossary: product words in Chinese, Spanish, Korean and Arabic -> English catalog words.

The embedded 0.5B model sometimes translates a product into something else ("보온 텀블러" ->
"television"). The glossary (``glossary.tsv``, shipped with the package) is a deterministic
check on it: the buyer's own words, matched literally, name the product type. Matching is
per language: Chinese by substring; Korean from the start of a word (particles may follow);
Spanish by whole words with plurals and accents folded; Arabic by whole words with the
article and the prefixes و ف then ب ل ك allowed and letter variants folded. The earliest,
then longest, match wins, so "사무용 의자" (office chair) beats "의자" (chair).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "es", "ko", "ar")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


@dataclass(frozen=True)
class Term:
    english: str
    native: str  # as written in the need
    start: int
    end: int


def _fold(text: str, language: str) -> str:
    """Length-preserving normalisation, so match offsets index the original text."""
    if language == "es":
        return "".join(unicodedata.normalize("NFKD", ch)[0] for ch in text.lower())
    if language == "ar":
        return text.translate(_ARABIC_FOLD)
    return text.lower()


def _pattern(synonym: str, language: str) -> str:
    words = _fold(synonym, language).split()
    if language in ("zh", "ko"):
        body = r"\s*".join(re.escape(ch) for ch in "".join(words))
        return (r"(?<![가-힣])" if language == "ko" else "") + body
    if language == "es":
        return r"(?<!\w)" + r"\s+".join(re.escape(w) + r"(?:s|es)?" for w in words) + r"(?!\w)"
    return r"(?<![\u0600-\u06ff])" + r"\s+".join(r"(?:[وف]?[بلك]?ال|[وف][بلك]?|[بلك])?" + re.escape(w) for w in words) + r"(?![\u0600-\u06ff])"


@lru_cache(maxsize=1)
def _load() -> dict[str, tuple[re.Pattern, dict[int, str], dict[str, str]]]:
    """language -> (one alternation of every synonym, longest first; group number -> synonym; synonym -> English)."""
    rows = [line.split("\t") for line in (Path(__file__).with_name("glossary.tsv")).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    header, rows = rows[0], rows[1:]
    out = {}
    for lang in LANGUAGES:
        col = header.index(lang)
        english: dict[str, str] = {}
        for row in rows:
            for synonym in filter(None, (s.strip() for s in row[col].split("|"))):
                key = " ".join(_fold(synonym, lang).split())
                if key in english and english[key] != row[0]:
                    raise ValueError(f"glossary.tsv: {lang} {synonym!r} names both {english[key]!r} and {row[0]!r}")
                english[key] = row[0]
        ordered = sorted(english, key=len, reverse=True)
        out[lang] = (re.compile("|".join(f"({_pattern(s, lang)})" for s in ordered)), dict(enumerate(ordered, 1)), english)
    return out


def entries() -> dict[str, dict[str, str]]:
    """language -> {folded synonym: English term} (for tests and docs)."""
    return {lang: english for lang, (_, _, english) in _load().items()}


def find_products(text: str, language: str) -> list[Term]:
    """Product terms in the need, in order of appearance, not overlapping. In Chinese and Korean,
    where the head noun comes last, adjacent terms form one compound ('노트북 백팩' -> 'laptop backpack')."""
    if language not in LANGUAGES:
        return []
    pattern, by_group, english = _load()[language]
    terms: list[Term] = []
    for m in pattern.finditer(_fold(text, language)):
        term = Term(english[by_group[m.lastindex]], text[m.start():m.end()], m.start(), m.end())
        if terms and language in ("zh", "ko") and not text[terms[-1].end:term.start].strip():
            last = terms.pop()
            term = Term(f"{last.english} {term.english}", text[last.start:term.end], last.start, term.end)
        terms.append(term)
    return terms


def nearest(terms: list[Term], span: tuple[int, int]) -> Term | None:
    """The term closest to a quantity's position (the product it counts)."""
    def distance(t: Term) -> int:
        return max(t.start - span[1], span[0] - t.end, 0)
    return min(terms, key=distance, default=None)
