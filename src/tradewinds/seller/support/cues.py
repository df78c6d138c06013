"""The support agent's cue words (``cues.toml``): found on folded text, in every language at once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ...lang.text import boundary_pattern, fold

LANGUAGES = ("en", "es", "fr", "de", "pt", "zh", "ko", "ar")


@dataclass(frozen=True)
class Hit:
    concept: str
    start: int
    end: int


@cache
def table() -> dict[str, dict[str, list[str]]]:
    raw = tomllib.loads(resources.files(__package__).joinpath("cues.toml").read_text(encoding="utf-8"))
    for concept, by_lang in raw.items():
        if unknown := set(by_lang) - set(LANGUAGES):
            raise ValueError(f"support cues.toml [{concept}]: unknown language(s) {sorted(unknown)}; known: {', '.join(LANGUAGES)}")
    return raw


ARABIC = re.compile(r"[\u0600-\u06ff]")


def phrase_regex(phrase: str) -> str:
    """A cue as a regex: whole words; 'cancel*' a stem ('cancelen', 'cancélenlo'); Arabic anywhere in a word (its
    words take prefixes and suffixes: 'وإلغاء', 'إلغاءه'), but a cue written with a trailing space is a word of its own
    ('لا ', with 'and' or 'so' before it); Chinese, Japanese and Korean as substrings."""
    if phrase.endswith("*"):
        stem = phrase[:-1]
        return r"(?<![^\W\d_])" + re.escape(stem) + r"\w*"
    if ARABIC.search(phrase):
        if phrase.endswith(" "):  # a particle written as a word of its own ('لا '): not inside another ('أولا')
            return r"(?<![\u0600-\u06ff])[وف]?" + re.escape(phrase.strip()) + r"(?![\u0600-\u06ff])"
        return re.escape(phrase.strip())
    return boundary_pattern(phrase)


@cache
def pattern(concept: str) -> re.Pattern:
    phrases = sorted({fold(p) for words in table()[concept].values() for p in words}, key=len, reverse=True)
    return re.compile("|".join(phrase_regex(p) for p in phrases))


def find(concept: str, folded: str) -> list[Hit]:
    return [Hit(concept, m.start(), m.end()) for m in pattern(concept).finditer(folded)]


def present(concept: str, folded: str) -> bool:
    return pattern(concept).search(folded) is not None
