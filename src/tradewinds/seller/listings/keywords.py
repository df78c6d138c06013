"""Search keywords for a listing: from the seller's own search-term report when there is one (query, impressions,
clicks), else from the catalog's vocabulary — never a word that is neither the product's own nor a generic one, so
never another brand's trademark.

A query is kept only when each of its words is in the product's own text (its brand and model included) or in the
generic vocabulary of the language (the product lexicon's names, materials and colours), and one of them names the
product itself (its own words, or its concept's names in the language). 'bose headphones' for a Sony
product is dropped ('bose' is neither), 'wireless headphones' is kept. Kept queries rank by clicks, then
click-through rate, then impressions.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from ...errors import BadInputError
from ...lang.text import fold
from ...sourcing.lexicon import find_terms, names, surface
from ...textfiles import read_text

WORD = re.compile(r"[^\W_]+")


class SearchTerm(BaseModel):
    query: str = Field(min_length=1, max_length=300)
    impressions: int = Field(0, ge=0)
    clicks: int = Field(0, ge=0)


class Keyword(BaseModel):
    term: str
    source: str  # "report" or "catalog"
    clicks: int = 0
    impressions: int = 0


@cache
def generic(language: str) -> frozenset[str]:
    """Generic words of a language (and English): every word of the lexicon's product names, materials, colours."""
    words: set[str] = set()
    for lang in {language, "en"}:
        for name in names().get(lang, {}):
            words.update(WORD.findall(name))
    table = tomllib.loads((Path(__file__).with_name("words.toml")).read_text(encoding="utf-8"))
    for kind in table.values():
        for name, native in kind.items():
            for w in (name, *native):
                words.update(WORD.findall(fold(w)))
    return frozenset(words)


def read_report(path: Path) -> list[SearchTerm]:
    text, _ = read_text(Path(path), max_bytes=100 * 1024 * 1024, formats="CSV")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "query" not in rows[0]:
        raise BadInputError(f"{Path(path).name}: the column query is missing (row 1, the header)", hint="columns: query, impressions, clicks")
    out = []
    for n, row in enumerate(rows, start=2):
        try:
            out.append(SearchTerm(query=row["query"], impressions=int(row.get("impressions") or 0), clicks=int(row.get("clicks") or 0)))
        except ValueError as exc:
            raise BadInputError(f"{Path(path).name}: row {n}: {str(exc).splitlines()[0]}", hint="impressions and clicks are whole numbers") from None
    return out


def keywords(product_text: str, language: str, report: list[SearchTerm] | None = None, limit: int = 10) -> list[Keyword]:
    own = set(WORD.findall(fold(product_text)))
    allowed = own | generic(language)
    mine = {c.concept for c in find_terms(product_text, "en")}  # what the product is, named in the keywords' language
    related = own | {w for name, concept in names().get(language, {}).items() if concept in mine for w in WORD.findall(name)}
    if report:
        kept = []
        for t in report:
            words = WORD.findall(fold(t.query))
            if words and all(w in allowed for w in words) and any(w in related for w in words):
                kept.append(t)
        kept.sort(key=lambda t: (-t.clicks, -(t.clicks / t.impressions if t.impressions else 0), -t.impressions, t.query))
        out = [Keyword(term=t.query.strip().lower(), source="report", clicks=t.clicks, impressions=t.impressions) for t in kept]
    else:
        out = [Keyword(term=surface(language, name), source="catalog")
               for term in find_terms(product_text, "en") for name, concept in names().get(language, {}).items() if concept == term.concept]
    seen, unique = set(), []
    for k in out:
        if k.term not in seen:
            seen.add(k.term)
            unique.append(k)
    return unique[:limit]
