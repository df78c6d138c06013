"""Countries and cities named in a buyer's words, in any language: 'Lisboa' -> PT, 'Москву' -> RU, '東京' -> JP.

Countries by their CLDR names in every supported language (plus a few common short forms);
cities from GeoNames (``data/cities.tsv.gz``: 100,000 people or more, their names in many
scripts; CC BY 4.0) and the US states (``data/regions.tsv``, GeoNames). In scripts with capitals a city must be written with one ('Nice', not
'nice'), so common words are not taken for towns. Names in languages that inflect them
('Warszawy', 'Москву', 'Chin', "İstanbul'da") match by their stem.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .cldr import territory_names
from .text import LETTER, fold, unspaced

_ALIASES = {"usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB",
            "england": "GB", "uae": "AE", "emirates": "AE", "korea": "KR", "south korea": "KR", "holland": "NL", "russia": "RU",
            "turkey": "TR", "turkiye": "TR", "vietnam": "VN", "taiwan": "TW", "hong kong": "HK", "macau": "MO", "czechia": "CZ",
            "mainland china": "CN", "china mainland": "CN", "ivory coast": "CI", "burma": "MM", "persia": "IR",
            # short names in everyday use where CLDR gives the formal one
            "한국": "KR", "남한": "KR", "미국": "US", "영국": "GB", "중국": "CN", "대만": "TW", "북한": "KP", "아랍에미리트": "AE",
            "사우디": "SA", "사우디아라비아": "SA", "السعودية": "SA", "الإمارات": "AE", "امريكا": "US", "أمريكا": "US", "بريطانيا": "GB",
            "كوريا": "KR", "كوريا الجنوبية": "KR", "الصين": "CN", "ايران": "IR", "韩国": "KR", "南韩": "KR", "美国": "US", "英国": "GB",
            "台湾": "TW", "阿联酋": "AE", "沙特": "SA", "越南": "VN", "韓国": "KR", "米国": "US", "アメリカ": "US",
            "イギリス": "GB", "ドバイ": "AE", "미얀마": "MM", "hàn quốc": "KR", "amerika": "US", "korea selatan": "KR",
            "inggris": "GB", "tiongkok": "CN", "cina": "CN", "อเมริกา": "US", "เกาหลี": "KR", "อังกฤษ": "GB", "अमेरिका": "US",
            "कोरिया": "KR", "इंग्लैंड": "GB", "америка": "US", "сша": "US", "корея": "KR", "англия": "GB", "оаэ": "AE", "emiraty": "AE",
            "ameryka": "US", "anglia": "GB", "korea południowa": "KR", "amerika birleşik devletleri": "US", "abd": "US", "birleşik krallık": "GB",
            "güney kore": "KR", "bae": "AE", "vae": "AE", "eau": "AE", "eua": "US", "ee. uu.": "US", "estados unidos": "US", "reino unido": "GB",
            "emirados": "AE", "emiratos": "AE", "corea del sur": "KR", "coreia do sul": "KR", "zuid-korea": "KR", "verenigde staten": "US",
            "stati uniti": "US"}
# Short names that are also common words in some language we read ("Chad", "Niger" are fine; these are not)
_NOT_PLACES = {"man", "mali", "oman", "togo", "peru", "chile", "cuba", "guinea", "jordan", "turkey", "china", "georgia", "sudan",
               "cina", "abd", "bae", "vae", "eau", "eua"}
_WORD = re.compile(rf"{LETTER}+(?:[.'’-]{LETTER}+)*\.?")
# Languages that inflect a place name only by adding a fixed ending (every German noun is capitalised, so a stem
# match there would take 'Frische' for Frisco)
_NAME_ENDINGS = {"de": ("s", "es"), "nl": ("s",)}


# What follows a place name inside a Korean word: a particle or a suffix ('독일에서', '중국산', '서울행', '부산으로')
_KO_AFTER_NAME = ("에", "으로", "로", "까지", "의", "행", "은", "는", "이", "가", "을", "를", "도", "와", "과", "산", "제", "발",
                  "향", "쪽", "만", "나", "부터", "에게", "내", "외", "시", "특별시", "광역시", "지역")


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    code: str  # ISO 3166 alpha-2 of the country
    kind: str  # "country" or "city"
    name: str  # as written


@cache
def _cities() -> dict[str, tuple[str, int]]:
    """Folded city name -> (country, population); a name two cities share goes to the larger."""
    raw = gzip.decompress(resources.files("tradewinds.lang").joinpath("data/cities.tsv.gz").read_bytes()).decode("utf-8")
    out: dict[str, tuple[str, int]] = {}
    for line in raw.splitlines()[1:]:
        country, population, _, names = line.split("\t")
        pop = int(population)
        for name in names.split("|"):
            key = fold(name).strip()
            if key and (key not in out or out[key][1] < pop):
                out[key] = (country, pop)
    # states a buyer names as the destination ('ship to Texas'): read like a city, after every real city of that name
    regions = resources.files("tradewinds.lang").joinpath("data/regions.tsv").read_text(encoding="utf-8")
    for line in regions.splitlines()[1:]:
        country, name = line.split("\t")
        out.setdefault(fold(name).strip(), (country, 0))
    return out


@cache
def _ALIASES_FOLDED() -> frozenset[str]:  # noqa: N802 - a constant, built once
    return frozenset(fold(k).strip() for k in _ALIASES)


@cache
def _countries() -> dict[str, str]:
    return {**territory_names(), **{fold(k).strip(): v for k, v in _ALIASES.items()}}


@cache
def _stems() -> dict[str, list[tuple[str, str, str]]]:
    """First four folded letters -> [(name, code, kind)] for stem matching of inflected names."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for name, code in _countries().items():
        if len(name) >= 4 and " " not in name and not unspaced(name):
            out.setdefault(name[:4], []).append((name, code, "country"))
    for name, (code, pop) in _cities().items():
        if pop >= 200_000 and len(name) >= 5 and " " not in name and not unspaced(name):
            out.setdefault(name[:4], []).append((name, code, "city"))
    return out


def stem_match(word: str, *, countries_only: bool = False, min_share: float = 0.8,
               endings: tuple[str, ...] | None = None) -> tuple[str, str] | None:
    """(code, kind) when ``word`` is an inflected or derived form of a place name ('Warszawy' -> Warszawa,
    'Chin' -> Chiny; with min_share=0.5, demonyms such as 'cinesi' -> Cina). ``endings``: the only endings the
    language adds to a whole name (German: the genitive 's', so 'Chinas' is China and 'Frische' is not Frisco)."""
    w = fold(word).strip(".'’")
    if len(w) < 3:
        return None
    best = None
    for key in {w[:4], w[:3]}:
        for name, code, kind in _stems().get(key, []) if len(key) == 4 else []:
            if countries_only and kind != "country":
                continue
            if endings is not None and not (w.startswith(name) and w[len(name):] in endings):
                continue
            common = len(_common_prefix(w, name))
            # a country's name may change its last two letters ('Chiny' -> 'Chin'), a city's only its last one
            # ('Warszawa' -> 'Warszawy'): 'Suche' is not 'Suchow'
            # and the ending after the shared stem stays short ('Kartuschen' is not 'Kartum')
            inflected = (common >= max(4, len(name) - 2) if kind == "country" else common >= max(5, len(name) - 1)
                         and len(w) - common <= 3) and len(w) <= len(name) + 4
            derived = min_share < 0.8 and common >= max(4, min_share * len(name))
            if inflected or derived:
                if best is None or common > best[0]:
                    best = (common, code, kind)
    if best is None and min_share < 0.8:  # short country names: 'Cina' from 'cinesi'
        for name, code in _countries().items():
            if 4 <= len(name) <= 5 and " " not in name and len(_common_prefix(w, name)) >= len(name) - 1:
                best = (3, code, "country")
                break
    return (best[1], best[2]) if best else None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _proper(original: str) -> bool:
    """Written like a name: capitalised in scripts with capitals; any word in scripts without."""
    first = original[:1]
    return not first.isalpha() or first.upper() == first.lower() or first.isupper()


@cache
def _own_names(language: str) -> frozenset[str]:
    """Country names as the writer's language writes them (CLDR)."""
    from .cldr import locale

    try:
        return frozenset(fold(n).strip() for n in locale(language).territories.values())
    except (ValueError, LookupError):
        return frozenset()


def find_places(text: str, *, inflecting: bool = False, language: str | None = None) -> list[Place]:
    """Countries and cities in ``text``, in order, not overlapping; longest name first.
    ``inflecting``: the language inflects names (Polish, Russian, Turkish...), so stems match too.
    ``language``: a name that is a big city, and a country only in other languages, is the city
    ('Salvador' in Portuguese is the Brazilian city; French calls El Salvador 'Salvador')."""
    folded = fold(text)
    countries, cities = _countries(), _cities()
    if language:
        own = _own_names(language)
        countries = {k: v for k, v in countries.items() if not (k in cities and cities[k][1] >= 300_000 and own and k not in own
                                                                and k not in _ALIASES_FOLDED())}
    found: list[Place] = []
    taken: list[tuple[int, int]] = []

    def add(a: int, b: int, code: str, kind: str) -> None:
        if not any(a < y and x < b for x, y in taken):
            found.append(Place(a, b, code, kind, text[a:b]))
            taken.append((a, b))

    words = list(_WORD.finditer(folded))
    joined = [not folded[words[k].end():words[k + 1].start()].strip() for k in range(len(words) - 1)]  # only spaces between
    for i in range(len(words)):
        for j in range(min(len(words), i + 4), i, -1):
            a, b = words[i].start(), words[j - 1].end()
            if not all(joined[i:j - 1]):
                continue
            key = folded[a:b].strip(".")
            original = text[a:b]
            if unspaced(key):
                continue
            code = countries.get(key)
            if code and (key not in _NOT_PLACES or _proper(original)) and (len(key) > 2 or original.isupper()):
                add(a, b, code, "country")
                break
            city = cities.get(key)
            if city and _proper(original) and (len(key) >= 4 or not key.isascii()):
                add(a, b, city[0], "city")
                break
            elided = re.match(r"^([a-z]{1,4})['’](.+)$", key)  # "d'Espagne", "l'Italie", "dall'India": the name after the article
            if elided and i + 1 == j:
                tail, offset = elided.group(2), a + len(elided.group(1)) + 1
                if tail in countries and _proper(original[offset - a:]):
                    add(offset, b, countries[tail], "country")
                    break
                if tail in cities and _proper(original[offset - a:]) and len(tail) >= 4:
                    add(offset, b, cities[tail][0], "city")
                    break
            head = re.split(r"['’]", key)[0]
            if head != key and head in countries and _proper(original):  # "Türkiye'den", "İstanbul'da"
                add(a, a + len(head), countries[head], "country")
                break
            if head != key and head in cities and _proper(original):
                add(a, a + len(head), cities[head][0], "city")
                break
    for m in re.finditer(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f\uac00-\ud7af]+", folded):
        run, base = m.group(0), m.start()
        korean = "\uac00" <= run[0] <= "\ud7af"
        i = 0
        while i < len(run):
            for n in range(min(12, len(run) - i), 1, -1):
                piece = run[i:i + n]
                code = countries.get(piece)
                city = cities.get(piece)
                if korean and (i > 0 or (run[i + n:] and not run[i + n:].startswith(_KO_AFTER_NAME))):  # '에센셜' is no 'Essen'
                    continue
                if code or (city and (n >= 3 or city[1] >= 500_000)):
                    add(base + i, base + i + n, code or city[0], "country" if code else "city")
                    i += n - 1
                    break
            i += 1
    if inflecting:
        for w in words:
            original = text[w.start():w.end()]
            if _proper(original) and original[:1].isalpha() and not any(w.start() < y and x < w.end() for x, y in taken):
                hit = stem_match(re.split(r"['’]", original)[0], endings=_NAME_ENDINGS.get(language or ""))
                if hit:
                    add(w.start(), w.end(), hit[0], hit[1])
    return sorted(found, key=lambda p: p.start)
