"""Language facts for buyers' words in any language: detection, numbers, money, places, cue words.

Reference data, not guesses: country and currency names, number words and unit names come from
CLDR (through Babel); cities from GeoNames (a table built by ``scripts/build_reference_data.py``);
the closed-class cue words ("per piece", "except", "only") from ``cues.toml``. The sourcing
extractors, bulk sheets and the seller agents read text through this package.
"""

from .cues import LANGUAGES
from .detect import detect_language
from .text import fold

__all__ = ["LANGUAGES", "detect_language", "fold"]
