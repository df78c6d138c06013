"""Deterministic extractors for the understand step, in any language Tradewinds reads.

They read numbers, quantities, money (unit caps vs total budgets), currencies, certifications,
countries (destination, allowed, excluded), Incoterms, lead times, verification, project scale
and customization straight from the buyer's text, with the language facts of
:mod:`tradewinds.lang` (CLDR names of countries, currencies, number words and durations; GeoNames
cities; closed-class cue words). They are exact where a small model is weak, and what they find
wins over the model. Nothing here executes or obeys the text: it is only matched.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from ..catalog.reference import currencies, incoterms
from ..trade.certifications import KNOWN_CERTIFICATIONS
from ..search.schemas import MAX_QUANTITY
from ..lang import cues, detect_language, fold
from ..lang.cldr import currency_words, duration_words
from ..lang.numbers import Number, find_numbers
from ..lang.places import Place, find_places, stem_match
from ..lang.text import LETTER, boundary_pattern, unspaced

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९๐๑๒๓๔๕๖๗๘๙", "0123456789012345678901234567890123456789")
# languages that inflect place names, so 'Warszawy', 'Москву', "İstanbul'da" are matched by their stem
_INFLECTING = {"pl", "ru", "tr", "de", "cs", "uk", "fi", "hu", "ro"}
_CLAUSE = re.compile(r"[,;.!?，。；、！？\n]|\s[-–—]\s")


def normalize(text: str) -> str:
    """NFKC (full-width digits and punctuation), Arabic-Indic, Devanagari and Thai digits; whitespace squeezed."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS).replace("،", ",").replace("٫", ".")
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


@dataclass
class Money:
    amount: float
    currency: str | None
    kind: str  # "unit" or "total"
    span: tuple[int, int]
    why: str = ""  # the cue that decided the kind


# -- currencies ----------------------------------------------------------------------------
_ISO_LOWER = {"usd", "eur", "gbp", "cny", "rmb", "jpy", "krw", "inr", "aed", "sar", "try", "pln", "brl", "mxn", "idr", "thb", "vnd",
              "rub", "chf", "cad", "aud", "hkd", "sgd", "myr", "php", "zar", "egp", "czk", "huf", "sek", "nok", "dkk", "twd"}


@cache
def _currency_re() -> re.Pattern:
    words = sorted(currency_words(), key=len, reverse=True)
    return re.compile("|".join(f"(?:{boundary_pattern(w)})" for w in words))


def _currency_mentions(text: str, folded: str) -> list[tuple[int, int, str]]:
    """(start, end, ISO code) of every currency code, symbol or name."""
    out: list[tuple[int, int, str]] = []
    active = currencies()
    for m in re.finditer(r"(?<![A-Za-z])([A-Za-z]{3})(?![A-Za-z])", text):
        code = m.group(1).upper()
        if code == "RMB":
            code = "CNY"
        if code in active and (m.group(1).isupper() or m.group(1).lower() in _ISO_LOWER) and code not in incoterms():
            out.append((m.start(), m.end(), code))
    words = currency_words()
    for m in _currency_re().finditer(folded):
        if m.group(0) == "块" and re.match(r"[\u4e00-\u9fff]", folded[m.end():m.end() + 1]) and folded[m.end()] not in "钱人":
            continue  # '50块太阳能板': the measure word of a count, not colloquial yuan ('50块钱')
        if not any(a < m.end() and m.start() < b for a, b, _ in out):
            out.append((m.start(), m.end(), words[m.group(0)]))
    return sorted(out)


# -- helpers -------------------------------------------------------------------------------
def _clause(folded: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause (between punctuation marks) that holds [start, end)."""
    a = max((m.end() for m in _CLAUSE.finditer(folded, 0, start)), default=0)
    nxt = _CLAUSE.search(folded, end)
    return a, nxt.start() if nxt else len(folded)


def _near(concept: str, folded: str, start: int, end: int, before: int, after: int, lang: str) -> cues.Cue | None:
    """A cue of ``concept`` in the same clause within ``before`` chars before or ``after`` chars after the span."""
    a, b = _clause(folded, start, end)
    for c in cues.find(concept, folded[max(a, start - before):start], lang):
        return c
    for c in cues.find(concept, folded[end:min(b, end + after)], lang):
        return c
    return None


def _in_spans(pos: int, spans) -> bool:
    return any(a <= pos < b for a, b in spans)


# -- money ---------------------------------------------------------------------------------
def _per_noun(folded: str, end: int, lang: str) -> bool:
    """'150 USD per panel', '120 dólares por silla', '250 zł za krzesło': a per-word and a noun right after."""
    m = re.match(rf"\s*(?:/\s*{LETTER}+|(?P<per>{LETTER}+)\s+{LETTER}{{2,}})", folded[end:end + 30])
    if not m:
        return False
    return m.group("per") is None or bool(cues.pattern("per_noun", lang).fullmatch(m.group("per")))


def find_money(text: str, language: str | None = None) -> list[Money]:
    """Amounts with a currency (or a price cue): per-unit caps vs total budgets, by the words around them."""
    lang = language or detect_language(text)
    folded = fold(text)
    mentions = _currency_mentions(text, folded)
    out = []
    for n in find_numbers(text, lang):
        cur, span = None, (n.start, n.end)
        for a, b, code in mentions:
            gap_after, gap_before = text[n.end:a], text[b:n.start]
            if a >= n.end and ((len(gap_after) <= 2 and not re.search(r"\w", gap_after))
                               or (re.search(LETTER, n.raw) and re.fullmatch(r"\s(?:de|of|d['’]|di)\s?", gap_after))):
                # '1,2 milhão de reais', '2 millones de pesos': a number word, then 'of' and the currency
                cur, span = code, (n.start, b)
                break
            if b <= n.start and len(gap_before) <= 2 and not re.search(r"\w", gap_before):
                cur, span = code, (a, n.end)
                break
        unit_cue = _near("unit", folded, *span, before=25, after=25, lang=lang) or (_per_noun(folded, span[1], lang) and "per")
        total_cue = _near("total", folded, *span, before=30, after=12, lang=lang)
        cap_cue = _near("cap", folded, *span, before=25, after=14, lang=lang)
        if cur is None and not (unit_cue or (cap_cue and _near("unit", folded, *span, before=40, after=30, lang=lang))):
            continue
        if cur is None and (_unit_follows(text, n, lang) or cues.starts_with("count", folded[n.end:n.end + 20], 1, lang)
                            or re.match(r"\s?\S?(?:あたり|当たり|당)", folded[n.end:n.end + 5])
                            or (re.match(rf"\s?{LETTER}", text[n.end:n.end + 2]) and not cues.starts_with("unit", folded[n.end:n.end + 20], 1, lang)
                                and not _per_noun(folded, n.end, lang)
                                and not any(cues.ends_with(k, folded[max(0, n.start - 24):n.start], gap=2, language=lang) for k in ("unit", "cap")))):
            continue  # a measure, a count ('200 par butów', '400 USB-C chargers') or the unit of a price ('1本あたり'), not an amount
        if unit_cue:
            kind, why = "unit", str(getattr(unit_cue, "phrase", unit_cue))
        elif total_cue:
            kind, why = "total", total_cue.phrase
        elif cap_cue:
            kind, why = ("total", cap_cue.phrase) if n.value >= 5000 else ("unit", cap_cue.phrase)
        else:
            kind, why = ("total" if n.value >= 5000 else "unit"), "size of the amount"
        out.append(Money(n.value, cur, kind, span, why))
    return out


def _unit_follows(text: str, n: Number, lang: str) -> bool:
    """A measure, a duration or a percent follows: '350 ml', '30 days', '20%'."""
    after = text[n.end:n.end + 12]
    if re.match(r"\s?%", after):
        return True
    from .specs import MEASURE_AFTER

    return bool(MEASURE_AFTER.match(text, n.end)) or _duration_at(text, n.end) is not None


# -- durations and lead time ---------------------------------------------------------------
@cache
def _duration_re() -> re.Pattern:
    words = sorted(duration_words(), key=len, reverse=True)
    return re.compile(r"\s?-?\s?(?:" + "|".join(f"(?:{boundary_pattern(w)})" for w in words) + ")")


def _duration_at(text: str, pos: int) -> int | None:
    """Days of the duration word right after ``pos`` ('30 jours', '30일'); a word that goes on ('3달러') is not one."""
    chunk = fold(text[pos:pos + 24])
    m = _duration_re().match(chunk)
    if not m or (unspaced(m.group(0)[-1:]) and re.match(rf"{LETTER}", chunk[m.end():m.end() + 1])
                 and unspaced(chunk[m.end():m.end() + 1]) and not re.match(r"以内|之内|内|以?后|以?後|以降|이내|안에|ภายใน", chunk[m.end():])):
        return None  # '3달러' goes on into another word; '30天内', '30日以内' are a duration and 'within' 
    return duration_words()[m.group(0).strip(" -")]


def find_lead_time(text: str, numbers: list[Number], lang: str = "en", money: list[Money] = ()) -> tuple[int | None, tuple[int, int] | None]:
    folded = fold(text)
    for n in numbers:
        if _in_spans(n.start, [m.span for m in money]):
            continue
        days = _duration_at(text, n.end)
        if not days or _near("not_lead_time", folded, n.start, n.end, before=30, after=20, lang=lang):
            continue
        return int(round(n.value * days)), (n.start, n.end)
    return None, None


# -- quantities and scale ------------------------------------------------------------------
def _scale_word(folded: str, n: Number, lang: str) -> str | None:
    """'40 seats', '60-room', '25 Mitarbeiter', '30席', and with the word first: '객실 30개', 'rooms: 40'."""
    for concept in ("seats", "rooms", "people"):
        c = cues.starts_with(concept, folded[n.end:n.end + 30], gap=2, language=lang)
        if c:
            after = folded[n.end + c.end:n.end + c.end + 30]
            word = re.match(rf"\s+({LETTER}+)", after)
            if concept == "seats" and cues.present("seat_is_chair", c.phrase, lang) and word and \
                    word.group(1) not in {fold(w) for w in cues.table()["function_words"].get(lang, [])}:
                continue  # '50 kursi kantor' are office chairs; 'kafe dengan 40 kursi di Bali' has forty seats
            return concept
        c = cues.ends_with(concept, folded[max(0, n.start - 20):n.start], gap=2, language=lang)
        if c and (re.match(r"\s?(?:개|개의|:)", folded[n.end:n.end + 3]) or re.search(r":\s*$", folded[max(0, n.start - 3):n.start])):
            return concept
    return None


_PROJECTS = ("project_coffee_shop", "project_restaurant", "project_hotel", "project_office")


def _names_project(folded: str, lang: str) -> bool:
    """A cafe, restaurant, hotel or office is named: only then are '40 seats' a project's size ('50 kursi kantor'
    are fifty office chairs, 'kafe dengan 40 kursi' a cafe of forty seats)."""
    return any(cues.present(p, folded, lang) for p in _PROJECTS)


def find_scale(text: str, numbers: list[Number] | None = None, lang: str = "en") -> dict[str, int]:
    numbers = numbers if numbers is not None else find_numbers(text, lang)
    folded = fold(text)
    out: dict[str, int] = {}
    if not _names_project(folded, lang):
        return out
    for n in numbers:
        kind = _scale_word(folded, n, lang)
        if kind and kind not in out and n.value >= 1:
            out[kind] = int(n.value)
    return out


_COUNTED_BY_X = re.compile(rf"{LETTER}\s[xX×]\s?$")  # 'soap bars x 600', 'LED bulb ×200': a count, not a size


def _is_code_part(text: str, n: Number) -> bool:
    """Part of a model code, standard or size: 'E27', 'A320', 'ISO 9001', '70x140', 'No. 5', '#3', a year."""
    before = text[max(0, n.start - 1):n.start]
    if re.match(r"[A-Za-z]", before) or re.match(r"[A-Za-z]{1,2}\d|\s?[xX×*]\s?\d", text[n.end:n.end + 4]) or re.match(r"[-/]\d", text[n.end:n.end + 2]):
        return True
    if (re.search(r"[xX×*]\s?$", text[max(0, n.start - 3):n.start]) and not _COUNTED_BY_X.search(text[max(0, n.start - 4):n.start])) \
            or before in ("#", "-", "/"):
        return True
    if re.search(r"(?:ISO|EN|IEC|ASTM|BS|DIN|GB|No\.?)\s?$", text[max(0, n.start - 5):n.start]):
        return True
    return bool(re.fullmatch(r"(?:19|20)\d\d", n.raw) and re.match(r"\s?(?:new|model|version|edition)\b", text[n.end:n.end + 10], re.I))


_BULK = re.compile(r"\s?(?:m²|m2|sqm|sq\.? ?m|square met(?:er|re)s?|metros? cuadrados|mètres? carrés|quadratmeter|metri quadr\w*|"
                   r"metros? quadrados|vierkante meter|metrów kwadratowych|metrekare|квадратных метров|кв\.? ?м|平方米|平米|㎡|제곱미터|"
                   r"kgs?|kilos?|kilograms?|tons?|tonnes?|mt|lbs?|pounds|meters?|metres?|metros?|mètres?|metri|yards?|m|t|公斤|千克|吨|米|"
                   r"킬로|톤|미터|кг|тонн|метров|ton|kilogram|ki-lô|kilôgam|mét|กิโลกรัม|กิโล|ตัน|เมตร|किलो|टन|मीटर)(?![^\W\d_²])", re.I)
# Volumes: the order quantity only when nothing else is ('1000 litros de aceite de oliva'), else a size ('500 mugs 350 ml')
_VOLUME = re.compile(r"\s?(?:l|liters?|litres?|litros?|litri|litrów|litre|литров|литра|gallons?|gal|リットル|升|公升|리터|lít|ลิตร|लीटर)"
                     r"(?![^\W\d_])", re.I)


def find_quantities(text: str, numbers: list[Number], money: list[Money], lead_span, lang: str) -> list[tuple[int, tuple[int, int]]]:
    counted, bulk, bare, volume = quantity_candidates(text, numbers, money, lead_span, lang)
    return counted or bulk[:1] or bare or volume[:1]


def quantity_candidates(text: str, numbers: list[Number], money: list[Money], lead_span, lang: str):
    """Quantities in order: numbers that are not money, a measure, a duration, a size, a code or a project scale.
    A number followed by a count word ('500 pcs', '300 Stück', '500件', '50 ตัว') is one for sure; then bulk
    amounts ('500 kg of green coffee', '2 tons', '600 m²'); then bare numbers before a word; a volume last, when it
    is all there is ('1000 Liter Wandfarbe'; in '500 mugs 350 ml' it is a size)."""
    folded = fold(text)
    owned = [m.span for m in money] + ([lead_span] if lead_span else [])
    project = _names_project(folded, lang)
    counted, bulk, bare, volume = [], [], [], []
    for n in numbers:
        if _in_spans(n.start, owned) or n.value < 1 or n.value != int(n.value) or n.value > MAX_QUANTITY:
            continue  # beyond a billion units a number is a code or a typo, never an order
        if _is_code_part(text, n) or (project and _scale_word(folded, n, lang)):
            continue
        if _BULK.match(text, n.end):
            bulk.append((int(n.value), (n.start, _BULK.match(text, n.end).end())))
            continue
        if _VOLUME.match(text, n.end) and n.value >= 20:
            volume.append((int(n.value), (n.start, _VOLUME.match(text, n.end).end())))
            continue
        if _unit_follows(text, n, lang):
            continue
        if re.match(r"\s?\S?(?:あたり|当たり|당)", folded[n.end:n.end + 5]) or re.search(r"每\s?$|ต่อ\s?$", folded[max(0, n.start - 2):n.start]):
            continue  # '1台あたり', '개당': the unit of a price, not a quantity
        if cues.starts_with("count", folded[n.end:n.end + 20], gap=1, language=lang) or \
                _COUNTED_BY_X.search(text[max(0, n.start - 4):n.start]):
            counted.append((int(n.value), (n.start, n.end)))
        elif re.match(rf"\s?{LETTER}", text[n.end:n.end + 3]) or (lang in ("ko", "ja", "th", "zh") and re.search(
                rf"{LETTER}\s?$", text[max(0, n.start - 3):n.start])):  # the object before its count; 'iPhone 15' is a model
            bare.append((int(n.value), (n.start, n.end)))
    return counted, bulk, bare, volume


# -- certifications, verification, customization -------------------------------------------
CERTIFICATIONS = tuple(dict.fromkeys(KNOWN_CERTIFICATIONS + (
    "EN 1335", "CARB", "FloorScore", "GMPC", "ISO 22716", "EN 174", "Organic", "Rainforest Alliance", "Fairtrade", "ISO 4210",
    "EN 17128", "EN ISO 20345", "Kosher", "ISO 22000")))


def _cert_spans(text: str) -> list[tuple[str, int, int]]:
    found = []
    for cert in CERTIFICATIONS:
        pattern = re.escape(cert).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")
        flags = 0 if len(cert) <= 3 and cert.isupper() else re.I  # "CE"/"UL"/"GS" only in capitals
        for m in re.finditer(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])", text, flags):
            if not any(a <= m.start() < b for _, a, b in found):
                found.append((cert, m.start(), m.end()))
    return sorted(found, key=lambda f: f[1])


def find_certifications(text: str, lang: str = "en") -> tuple[list[str], list[str]]:
    """(required, negated): 'CE and RoHS' requires both; 'no CE needed', 'sans marquage CE' requires nothing."""
    folded = fold(text)
    required, negated = [], []
    for cert, a, b in _cert_spans(text):
        neg = _near("negation", folded, a, b, before=14, after=16, lang=lang)
        (negated if neg else required).append(cert)
    return list(dict.fromkeys(required)), list(dict.fromkeys(negated))


def find_verified(text: str, lang: str = "en") -> bool:
    """Verified suppliers only: a 'verified' word, not negated and not 'unverified'."""
    folded = fold(text)
    if cues.present("unverified", folded, lang):
        return False
    for c in cues.find("verified", folded, lang):
        if not _near("negation", folded, c.start, c.end, before=20, after=20, lang=lang):
            return True
    return False


def find_customization(text: str, lang: str = "en") -> str | None:
    folded = fold(text)
    hits = cues.find("customization", folded, lang)
    if not hits:
        return None
    c = hits[0]
    _, b = _clause(folded, c.start, c.end)
    return text[c.start:min(b, c.end + 40)].strip()


# -- countries -----------------------------------------------------------------------------
_JOIN = re.compile(r"^\s*(?:,|/|&|or|and|ni|nor|o|y|e|ou|et|oder|und|of|en|lub|i|albo|veya|ve|ya da|или|и|か|と|や|hoặc|và|atau|dan|หรือ|และ|या|और|或|和|及|또는|와|과|و|أو)?\s*$")


def _place_kind(folded: str, p: Place, lang: str) -> str:
    a, b = _clause(folded, p.start, p.end)
    before, after = folded[max(a, p.start - 40):p.start], folded[p.end:min(b, p.end + 30)]
    excl_before = cues.ends_with("exclude", before, gap=26, language=lang)
    made_in = cues.starts_with("include_after", after, gap=0, language=lang)  # '중국산 제외': made in China, excluded
    excl_after = cues.starts_with("exclude_after", after, gap=2, language=lang) or \
        (made_in and cues.starts_with("exclude_after", after[made_in.end:], gap=2, language=lang))
    if excl_before and excl_after:  # '不要中国以外': not outside China, so China only
        return "include"
    if excl_before or excl_after:
        return "exclude"
    if cues.ends_with("only", before, gap=24, language=lang) or cues.starts_with("only", after, gap=3, language=lang):
        return "include"
    if cues.ends_with("include", before, gap=2, language=lang) or cues.starts_with("include_after", after, gap=1, language=lang):
        return "include"
    return "destination"


def find_countries(text: str, language: str = "en") -> dict[str, list[str]]:
    """{'destination': [...], 'include': [...], 'exclude': [...]} as ISO alpha-2 codes, by the cues around each mention.
    Countries joined by 'or'/'and' share the cue of the first ('not from China or India')."""
    folded = fold(text)
    own_words = _cue_words(language)
    places = [p for p in find_places(text, inflecting=language in _INFLECTING, language=language)
              if not (p.kind == "city" and fold(p.name) in own_words)]  # 'Para mi tienda...' is not Pará, 'Kafe için' not Kafue
    out: dict[str, list[str]] = {"destination": [], "include": [], "exclude": []}
    previous: tuple[Place, str] | None = None
    for p in places:
        kind = _place_kind(folded, p, language)
        if previous and kind == "destination" and previous[1] != "destination" and _JOIN.match(folded[previous[0].end:p.start]):
            kind = previous[1]
        if p.code not in out[kind]:
            out[kind].append(p.code)
        previous = (p, kind)
    for c in cues.find("exclude", folded, language):  # demonyms: 'non cinesi', 'not Chinese', 'keine chinesischen Lieferanten'
        for w in re.finditer(rf"{LETTER}{{3,}}", folded[c.end:c.end + 40]):
            hit = stem_match(text[c.end + w.start():c.end + w.end()], countries_only=True, min_share=0.5)
            if hit and hit[0] not in out["exclude"] and not any(hit[0] in v for v in out.values()):
                out["exclude"].append(hit[0])
                break
    delivered_to_city = {p.code for p in places if p.kind == "city" and _place_kind(folded, p, language) == "destination"}
    out["destination"] = [c for c in out["destination"] if c not in out["exclude"]
                          and (c not in out["include"] or c in delivered_to_city)]  # 'Delhi, Indian suppliers only'
    return out


@cache
def _cue_words(language: str) -> frozenset[str]:
    """Single words the writer's language uses as cues (function words, 'kafe', 'bar'): never a city there."""
    return frozenset(fold(w) for by_lang in cues.table().values() for w in (by_lang.get(language) or [])
                     if isinstance(w, str) and " " not in w.strip())


def find_incoterm(text: str) -> str | None:
    for code in incoterms():
        if re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", text):
            return code
    return None


_INJECTION = re.compile(r"ignore (?:all |the )?(?:previous|above|prior)|system prompt|you are now|disregard|instructions?:|"
                        r"<\s*/?\s*(?:system|assistant|script)|忽略(?:之前|以上)|무시하|تجاهل|ignorez|ignoriere|ignora |ignore as|"
                        r"игнорируй|無視して|bỏ qua|abaikan|ละเว้น|अनदेखा", re.I)


def looks_like_instructions(text: str) -> bool:
    """True when the need contains text aimed at the system rather than at suppliers (kept as data, flagged in notes)."""
    return bool(_INJECTION.search(text))


@dataclass
class Extracted:
    language: str
    quantities: list[tuple[int, tuple[int, int]]]
    money: list[Money]
    certifications: list[str]
    countries: dict[str, list[str]]
    incoterm: str | None
    lead_time_days: int | None
    customization: str | None
    scale: dict[str, int]
    currency: str | None
    injection: bool = False
    verified_only: bool = False
    negated_certifications: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bare_numbers: list[tuple[int, tuple[int, int]]] = field(default_factory=list)  # numbers before a word, counted or not
    counted: list[tuple[int, tuple[int, int]]] = field(default_factory=list)  # numbers with a count word ('500 pcs')


def extract(need: str) -> Extracted:
    text = normalize(need)
    lang = detect_language(text)
    numbers = find_numbers(text, lang)
    money = find_money(text, lang)
    currency = next((m.currency for m in money if m.currency), None)
    lead, lead_span = find_lead_time(text, numbers, lang, money)
    certs, negated = find_certifications(text, lang)
    counted, bulk, bare, volume = quantity_candidates(text, numbers, money, lead_span, lang)
    return Extracted(language=lang, quantities=counted or bulk[:1] or bare or volume[:1], money=money,
                     certifications=certs, countries=find_countries(text, lang), incoterm=find_incoterm(text),
                     lead_time_days=lead, customization=find_customization(text, lang), scale=find_scale(text, numbers, lang),
                     currency=currency, injection=looks_like_instructions(text), verified_only=find_verified(text, lang),
                     negated_certifications=negated, bare_numbers=bare, counted=counted)


def warm_up() -> None:
    """Load what reading a need loads on first use (the language detector's models, the currency and place tables)."""
    extract("Nous cherchons 2 tasses, max 2 EUR la pièce, livraison à Lyon")
