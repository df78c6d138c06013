"""Which language a buyer wrote in.

Scripts decide where they can (Hangul -> ko, kana -> ja, Han -> zh, Thai, Devanagari -> hi,
Arabic, Cyrillic -> ru); Latin-script text goes to lingua (statistical models shipped in its
wheel, loaded on first use) over the Latin-script languages Tradewinds reads. Product words are
often English loans ("LED", "T-shirt", "cotton"), so numbers, codes and words in capitals are
removed first, and English wins a near tie.
"""

from __future__ import annotations

import re
import threading
from functools import cache

_SCRIPTS = (
    (re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"), "ko"),
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
    (re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]"), "zh"),
)
LATIN = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "tr", "vi", "id")
_NOISE = re.compile(r"\b(?:[A-Z0-9][A-Z0-9&+./-]*[A-Z0-9]|[A-Z])\b|\d+(?:[.,\s]\d+)*|[^\w\s'’-]")
_lock = threading.Lock()


@cache
def _detector():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in LATIN]
    return LanguageDetectorBuilder.from_languages(*languages).with_minimum_relative_distance(0.0).build()


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``: one of ko ja th hi ar ru zh, or of the Latin-script languages in ``LATIN``."""
    for rx, code in _SCRIPTS:
        if rx.search(text):
            return code
    words = _NOISE.sub(" ", text)
    if len(re.findall(r"[^\W\d_]{2,}", words)) == 0:
        return "en"
    with _lock:  # the detector's lazy model loading is not re-entrant
        values = _detector().compute_language_confidence_values(words)
    best = values[0]
    english = next((v.value for v in values if v.language.iso_code_639_1.name == "EN"), 0.0)
    if best.language.iso_code_639_1.name != "EN" and english >= 0.6 * best.value:
        return "en"
    return best.language.iso_code_639_1.name.lower()
