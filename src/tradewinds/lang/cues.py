"""Closed-class cue words of buyers' requests (``cues.toml``): "per piece", "at most", "except", "only"...

One alternation per concept over every language (buyers mix languages), matched on folded text
(see :func:`tradewinds.lang.text.fold`), longest phrase first. Nothing here obeys the text: it
only finds where these words are.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .text import boundary_pattern, fold

LANGUAGES = ("en", "zh", "es", "ko", "ar", "fr", "de", "it", "pt", "nl", "pl", "tr", "ru", "ja", "vi", "id", "th", "hi")


@dataclass(frozen=True)
class Cue:
    concept: str
    phrase: str
    start: int
    end: int


@cache
def table() -> dict[str, dict[str, list[str]]]:
    raw = tomllib.loads(resources.files("tradewinds.lang").joinpath("cues.toml").read_text(encoding="utf-8"))
    for concept, by_lang in raw.items():
        unknown = set(by_lang) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"cues.toml [{concept}]: unknown language(s) {sorted(unknown)}; known: {', '.join(LANGUAGES)}")
    return raw


def _usable(phrase: str, lang: str, language: str | None) -> bool:
    """A writer's own language counts in full; short words of other languages only where they cannot be
    ordinary words of this one ('no' is 'in the' in Portuguese, 'par' is 'pair' in Polish)."""
    if language is None or lang == language:
        return True
    return len(phrase) >= (4 if lang == "en" else 6)


@cache
def pattern(concept: str, language: str | None = None) -> re.Pattern:
    """One regex for a concept: the writer's language in full and the longer phrases of the others
    (buyers mix languages); every phrase of every language when ``language`` is None."""
    by_lang = table()[concept]
    # as written and as NFKC writes it (needs are NFKC-normalised: Thai 'ำ' becomes 'ํา')
    phrases = {fold(form).strip() for lang, ps in by_lang.items() for p in ps if p.strip() and _usable(fold(p).strip(), lang, language)
               for form in (p, unicodedata.normalize("NFKC", p))}
    if not phrases:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(f"(?:{boundary_pattern(p)})" for p in sorted(phrases, key=len, reverse=True)))


def find(concept: str, folded: str, language: str | None = None) -> list[Cue]:
    return [Cue(concept, m.group(0), m.start(), m.end()) for m in pattern(concept, language).finditer(folded)]


@cache
def _articles() -> re.Pattern:
    words = {fold(w) for ws in table().get("article", {}).values() for w in ws}
    return re.compile(r"(?:\s*(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w))*") if words \
        else re.compile("")


def ends_with(concept: str, folded_before: str, gap: int = 3, language: str | None = None) -> Cue | None:
    """The cue that ends at (or within ``gap`` spaces/punctuation, and articles, of) the end of ``folded_before``:
    'keine Lieferanten aus der Türkei', 'not from the US'."""
    best = None
    for m in pattern(concept, language).finditer(folded_before):
        tail = folded_before[m.end():]
        bare = tail[_articles().match(tail).end():] if len(tail) <= gap + 8 else tail
        if len(tail) <= gap + (len(tail) - len(bare)) and not re.search(r"\w", bare):
            best = Cue(concept, m.group(0), m.start(), m.end())
    return best


def starts_with(concept: str, folded_after: str, gap: int = 3, language: str | None = None) -> Cue | None:
    """The cue that starts at (or within ``gap`` spaces of) the start of ``folded_after``."""
    for m in pattern(concept, language).finditer(folded_after[: gap + 40]):
        if m.start() <= gap and not re.search(r"\w", folded_after[: m.start()]):
            return Cue(concept, m.group(0), m.start(), m.end())
    return None


def present(concept: str, folded: str, language: str | None = None) -> bool:
    return bool(pattern(concept, language).search(folded))


@cache
def number_words(language: str) -> dict[str, int]:
    """Numbers written as words in ``language`` ('two' -> 2, '两' -> 2), folded."""
    return {fold(w): int(v) for w, v in table().get("number_words", {}).get(language, {}).items()}


@cache
def _by_phrase(language: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for concept, by_lang in table().items():
        english = tuple(fold(w).strip() for w in by_lang.get("en") or [] if isinstance(w, str))
        for w in by_lang.get(language) or []:
            if isinstance(w, str) and english:
                out.setdefault(fold(w).strip(), english)
    return out


def english_forms(word: str, language: str) -> tuple[str, ...]:
    """The English phrases of the cue concept a word belongs to in its language ('albergo' -> 'hotel', 'hostel' ...);
    () when it is no cue word. What a venue or audience word means in a catalog's English titles."""
    return _by_phrase(language).get(fold(word).strip(), ())
