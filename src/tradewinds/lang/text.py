"""Length-preserving folding and script tests, so matches on folded text index the original."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# A letter, with the combining marks some scripts write words with (Devanagari and Thai vowel signs, accents).
LETTER = r"(?:[^\W\d_]|[\u0300-\u036f\u0900-\u0963\u0966-\u097f\u0e00-\u0e7f\u064b-\u065f\u0670])"
# Scripts written without spaces between words: matched as substrings.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\uac00-\ud7af]")


def _is_latin(ch: str) -> bool:
    o = ord(ch)
    return o < 0x250 or 0x1E00 <= o <= 0x1EFF


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    low = ch.lower()[:1] or ch
    if low == "ё":  # Russian writes 'верёвка' and 'веревка' alike
        return "е"
    if not _is_latin(low):
        return low
    base = unicodedata.normalize("NFKD", low)[:1]
    return base if base and _is_latin(base) else low


def fold(text: str) -> str:
    """Lower case, Latin letters without their accents ('Lisboa', 'LISBÔA' -> 'lisboa'), ё as е; same length as ``text``."""
    return "".join(_fold_char(ch) for ch in text)


_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")


def without_marks(text: str) -> str:
    """Arabic without its optional vowel marks, shadda and tatweel ('غيّروا' -> 'غيروا'), as it is mostly written."""
    return _ARABIC_MARKS.sub("", text)


def unspaced(text: str) -> bool:
    """True when ``text`` is in a script written without spaces (Chinese, Japanese, Thai; Korean is matched the same way)."""
    return bool(UNSPACED.search(text))


def boundary_pattern(phrase: str) -> str:
    """A regex for a folded phrase: whole words in spaced scripts, a substring in unspaced ones."""
    body = r"\s*".join(re.escape(part) for part in phrase.split()) if not unspaced(phrase) else re.escape(phrase)
    # no letter may touch a word of a spaced script (digits may: "500pcs", "2USD")
    before = r"(?<![^\W\d_])" if re.match(r"\w", phrase) and not unspaced(phrase[0]) else ""
    after = r"(?![^\W\d_])" if re.search(r"\w$", phrase) and not unspaced(phrase[-1]) else ""
    return before + body + after
