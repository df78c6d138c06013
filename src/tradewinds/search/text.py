"""Text analysis shared by indexing, querying and re-ranking.

* ``words``: lower-cased alphanumeric tokens (Latin, Cyrillic, Arabic, Hangul words...)
* ``codes``: model/part numbers normalised (``LDS-4821WW`` -> ``lds4821ww``), plus their
  letter-stripped stems, because sellers write the same code with different separators
* ``cjk_bigrams``: Chinese/Japanese text has no spaces, so it is indexed as overlapping bigrams
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CODE = re.compile(r"\b(?=[a-z0-9\-/\.]*\d)(?=[a-z0-9\-/\.]*[a-z])[a-z0-9]+(?:[\-/\.][a-z0-9]+)*\b")
_NUMBER = re.compile(r"(?<![a-z0-9])(\d+(?:[.,]\d+)?)")
STOPWORDS = frozenset("a an and the for with of in on to by from at or is new".split())


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    text = _CJK.sub(" ", normalize(text))
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def cjk_bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _CJK.findall(normalize(text)):
        out.extend(run) if len(run) == 1 else out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def codes(text: str) -> list[str]:
    """Model-number-like tokens (letters and digits together, >= 4 chars once joined)."""
    out: list[str] = []
    for m in _CODE.finditer(normalize(text)):
        joined = re.sub(r"[\-/\.]", "", m.group(0))
        if len(joined) >= 4 and not joined.isdigit():
            out.append(joined)
    return out


def numbers(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUMBER.findall(normalize(text))}


def query_terms(text: str) -> list[str]:
    """Every term a query contributes, deduplicated, order kept."""
    seen: dict[str, None] = {}
    for t in [*words(text), *codes(text), *cjk_bigrams(text)]:
        seen.setdefault(t, None)
    return list(seen)
