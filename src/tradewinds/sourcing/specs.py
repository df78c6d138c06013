"""Product specs from a buyer's words, deterministically: '9W', '350 ml', '3000K', 'E27', '30x40 cm',
'stainless steel', '白色'. The model may add specs for a free-text need; these are read first, need no
model (500 spreadsheet lines in a minute), and are only matched, never followed.

Units are canonicalised (``watts`` -> W, ``毫升`` -> ml) and convertible ones carry a base unit so
3.6 kW can be scored against a 3600 W attribute (`to_base`).
"""

from __future__ import annotations

import re

from ..lang.text import UNSPACED
from .schemas import Spec

# inches in the buyers' languages ('55 polegadas', '65 Zoll', '55インチ', '55 นิ้ว')
_INCH = r"inch(?:es)?|in|\"|寸|英寸|인치|pulgadas?|polegadas?|pouces?|zoll|pollici|cali|дюйм(?:а|ов)?|インチ|inci|นิ้ว|इंच|بوصة"

# unit as written (regex) -> (canonical unit, spec name)
_UNITS: tuple[tuple[str, str, str], ...] = (
    (r"kw|千瓦|квт", "kW", "power"), (r"w|watts?|瓦|вт|ватт\w*", "W", "power"), (r"v|volts?|伏|вольт\w*", "V", "voltage"),
    (r"mah|毫安时?|мач", "mAh", "capacity"), (r"ah", "Ah", "capacity"), (r"wh", "Wh", "capacity"),
    (r"ml|毫升|밀리리터|мл|مل", "ml", "capacity"), (r"cl", "cl", "capacity"), (r"l|liters?|litres?|litros?|升|리터|л|литр\w*", "L", "capacity"),
    (r"oz", "oz", "capacity"), (r"gsm|g/m2|g/m²|克重", "gsm", "fabric weight"),
    (r"mm²|mm2|平方毫米", "mm²", "cross section"), (r"mm|毫米|мм", "mm", "size"), (r"cm|厘米|公分|센티|см", "cm", "size"),
    (_INCH, "in", "size"), (r"m|meters?|metres?|米|미터|м|метр\w*", "m", "size"),
    (r"kg|kgs|公斤|千克|킬로|кг", "kg", "weight"), (r"g|grams?|克|그램|гр|грамм\w*", "g", "weight"),
    (r"k", "K", "color temperature"), (r"lm/w", "lm/W", "luminous efficacy"), (r"lm|lumens?|流明", "lm", "luminous flux"),
    (r"tc", "TC", "thread count"), (r"gb", "GB", "storage"), (r"nm", "Nm", "torque"),
    (r"ply|layers?|lớp|层|couches?|lagig|strati|camadas|lagen|warstw\w*|katlı|kat|слойн\w*|слоя|lapis|ชั้น|परत", "ply", "layers"),
)
_UNIT_OF = {c: name for _, c, name in _UNITS}
_BASE = {"kW": ("W", 1000), "W": ("W", 1), "L": ("ml", 1000), "cl": ("ml", 10), "ml": ("ml", 1), "Ah": ("mAh", 1000),
         "mAh": ("mAh", 1), "m": ("mm", 1000), "cm": ("mm", 10), "mm": ("mm", 1), "in": ("mm", 25.4), "kg": ("g", 1000), "g": ("g", 1)}

_NUMBER = r"(?<![A-Za-z0-9.,])(\d+(?:[.,]\d+)?)"
_MEASURE = re.compile(_NUMBER + r"\s?(" + "|".join(f"(?:{p})" for p, _, _ in _UNITS) + r")(?![a-zA-Z\u00c0-\u024f\u1e00-\u1eff\u0400-\u04ff\u0600-\u06ff²³/])", re.I)
# a measure unit right after a number: '350 ml', '9W', '3.6 kW' (not the 'm' of '500 mugs', not '5 in a box')
MEASURE_AFTER = re.compile(r"(?:\s?(?:" + "|".join(f"(?:{p})" for p, _, _ in _UNITS if p != _INCH)
                           + r")|\s?(?:" + _INCH.replace('|in|\\"', "") + r')|(?:in\b|"))(?![^\W\d_²³/])', re.I)
_SIZE = re.compile(_NUMBER + r"\s?[x×*]\s?(\d+(?:[.,]\d+)?)(?:\s?[x×*]\s?(\d+(?:[.,]\d+)?))?\s?(mm|cm|m|in|inch|\")?(?![a-z])", re.I)
_CODES = ((re.compile(r"\b(E27|E26|E14|E12|B22|GU10|GU5\.3|MR16|G9|G4)\b", re.I), "base"),
          (re.compile(r"\b(A[3-6])\b(?=\s*(?:paper|size|sheets?|notebook|format|纸|$))", re.I), "size"),
          (re.compile(r"\b(USB[- ]?C|Type[- ]?C|Micro[- ]?USB|Lightning)\b", re.I), "port"),
          (re.compile(r"\b(IP[2-6][0-9X]|IPX[0-8])\b", re.I), "water resistance"))
MATERIALS = ("stainless steel", "carbon steel", "galvanized steel", "aluminium", "aluminum", "cast iron", "brass", "copper", "titanium",
             "ceramic", "porcelain", "stoneware", "borosilicate glass", "tempered glass", "glass", "bamboo", "solid wood", "oak",
             "walnut", "pine", "beech", "rattan", "plywood", "mdf", "organic cotton", "cotton", "polyester", "nylon", "linen", "wool",
             "silk", "denim", "canvas", "leather", "pu leather", "silicone", "abs", "pp", "pet", "pvc", "acrylic", "marble", "kraft paper", "paper")
_MATERIALS_NATIVE = {"不锈钢": "stainless steel", "陶瓷": "ceramic", "玻璃": "glass", "竹": "bamboo", "纯棉": "cotton", "棉": "cotton",
                     "涤纶": "polyester", "皮革": "leather", "真皮": "leather", "硅胶": "silicone", "铝": "aluminium", "实木": "solid wood",
                     "acero inoxidable": "stainless steel", "cerámica": "ceramic", "vidrio": "glass", "bambú": "bamboo",
                     "algodón": "cotton", "cuero": "leather", "madera": "solid wood", "스테인리스": "stainless steel",
                     "세라믹": "ceramic", "유리": "glass", "면": "cotton", "가죽": "leather", "الفولاذ المقاوم للصدأ": "stainless steel",
                     "سيراميك": "ceramic", "زجاج": "glass", "قطن": "cotton", "جلد": "leather"}
# Materials in the other languages buyers write (the names a spec or a phrase's modifier uses)
_MATERIALS_NATIVE.update({
    "acier inoxydable": "stainless steel", "inox": "stainless steel", "coton": "cotton", "cuir": "leather", "bois": "solid wood",
    "verre": "glass", "céramique": "ceramic", "bambou": "bamboo", "soie": "silk", "laine": "wool", "aluminium": "aluminium",
    "edelstahl": "stainless steel", "baumwolle": "cotton", "leder": "leather", "holz": "solid wood", "glas": "glass", "keramik": "ceramic",
    "seide": "silk", "wolle": "wool", "leinen": "linen", "acciaio inox": "stainless steel", "acciaio inossidabile": "stainless steel",
    "cotone": "cotton", "pelle": "leather", "cuoio": "leather", "legno": "solid wood", "vetro": "glass", "ceramica": "ceramic",
    "bambù": "bamboo", "seta": "silk", "lana": "wool", "alluminio": "aluminium", "aço inoxidável": "stainless steel", "aço inox": "stainless steel",
    "algodão": "cotton", "couro": "leather", "madeira": "solid wood", "vidro": "glass", "cerâmica": "ceramic", "bambu": "bamboo",
    "seda": "silk", "alumínio": "aluminium", "roestvrij staal": "stainless steel", "rvs": "stainless steel", "katoen": "cotton",
    "hout": "solid wood", "keramiek": "ceramic", "zijde": "silk", "stal nierdzewna": "stainless steel",
    "stali nierdzewnej": "stainless steel", "bawełna": "cotton", "bawełny": "cotton", "skóra": "leather", "skóry": "leather",
    "drewno": "solid wood", "szkło": "glass", "ceramika": "ceramic", "paslanmaz çelik": "stainless steel", "pamuk": "cotton",
    "deri": "leather", "ahşap": "solid wood", "seramik": "ceramic", "ipek": "silk",
    "нержавеющая сталь": "stainless steel", "нержавеющей стали": "stainless steel", "хлопок": "cotton", "хлопка": "cotton",
    "кожа": "leather", "кожи": "leather", "дерево": "solid wood", "стекло": "glass", "керамика": "ceramic", "шелк": "silk",
    "thép không gỉ": "stainless steel", "thủy tinh": "glass", "gốm": "ceramic", "lụa": "silk", "baja tahan karat": "stainless steel",
    "katun": "cotton", "kulit": "leather", "kayu": "solid wood", "kaca": "glass", "sutra": "silk",
    "कपास": "cotton", "सूती": "cotton", "चमड़ा": "leather", "चमड़े": "leather", "लकड़ी": "solid wood", "कांच": "glass",
    "स्टेनलेस स्टील": "stainless steel", "रेशम": "silk", "ステンレス": "stainless steel", "綿": "cotton", "コットン": "cotton",
    "革": "leather", "木製": "solid wood", "ガラス": "glass", "陶器": "ceramic", "セラミック": "ceramic", "竹製": "bamboo", "シルク": "silk",
    "papel": "paper", "papier": "paper", "kağıt": "paper", "бумаги": "paper", "бумажные": "paper", "бумажных": "paper",
    "giấy": "paper", "kertas": "paper", "कागज": "paper", "कागज़": "paper", "กระดาษ": "paper",
    "สแตนเลส": "stainless steel", "ผ้าฝ้าย": "cotton", "หนัง": "leather", "ไม้": "solid wood", "แก้ว": "glass", "เซรามิก": "ceramic",
    # linen and canvas
    "lino": "linen", "linho": "linen", "linnen": "linen", "keten": "linen", "лён": "linen", "льна": "linen", "lanh": "linen",
    "lona": "canvas", "toile": "canvas", "segeltuch": "canvas", "kanvas": "canvas", "płótno": "canvas", "płótna": "canvas",
    "холст": "canvas", "брезент": "canvas", "vải bạt": "canvas", "亚麻": "linen", "帆布": "canvas", "リネン": "linen",
    "キャンバス": "canvas", "린넨": "linen", "캔버스": "canvas", "كتان": "linen", "ลินิน": "linen", "लिनन": "linen",
})

COLOURS = ("black", "white", "red", "blue", "green", "grey", "gray", "silver", "gold", "pink", "beige", "brown", "navy", "yellow",
           "orange", "purple", "transparent", "clear", "natural")
_COLOURS_NATIVE = {"黑色": "black", "白色": "white", "红色": "red", "蓝色": "blue", "绿色": "green", "灰色": "grey", "银色": "silver",
                   "金色": "gold", "粉色": "pink", "透明": "transparent", "negro": "black", "blanco": "white", "rojo": "red",
                   "azul": "blue", "verde": "green", "gris": "grey", "검정": "black", "흰색": "white", "أسود": "black", "أبيض": "white"}


def _words_re(words) -> re.Pattern:
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\w])", re.I)


_MATERIAL_RE = _words_re((*MATERIALS, *(w for w in _MATERIALS_NATIVE if not UNSPACED.search(w))))
_COLOUR_RE = _words_re((*COLOURS, *(w for w in _COLOURS_NATIVE if w.isascii())))
_CJK_RE = re.compile("|".join(re.escape(w) for w in sorted((w for w in (*_MATERIALS_NATIVE, *_COLOURS_NATIVE)
                                                             if UNSPACED.search(w)), key=len, reverse=True)))


def _num(raw: str) -> float:
    return float(raw.replace(",", "."))


def _canonical(unit: str) -> str:
    return next(c for p, c, _ in _UNITS if re.fullmatch(p, unit, re.I))


def find_specs(text: str, owned: list[tuple[int, int]] = (), limit: int = 6, heads: tuple[int, ...] = ()) -> list[Spec]:
    """Specs in the order written, one per name; spans in ``owned`` (prices, quantities) are skipped, and so is a material
    or colour word at one of ``heads`` (where a product's name starts in a head-first language: Thai 'แก้ว' is glass, but
    'แก้วกาแฟ' is a coffee cup, whatever it is made of)."""
    found: list[tuple[int, Spec]] = []
    taken = list(owned)

    def free(a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y in taken)

    for m in _SIZE.finditer(text):
        if free(*m.span()):
            dims = "x".join(f"{_num(g):g}" for g in m.groups()[:3] if g)
            unit = _canonical(m.group(4)) if m.group(4) else None
            found.append((m.start(), Spec(name="size", value=dims, unit=unit)))
            taken.append(m.span())
    for m in _MEASURE.finditer(text):
        unit = _canonical(m.group(2))
        if unit == "K" and not re.fullmatch(r"\d{4}", m.group(1)):  # 3000K is a colour temperature; 5k is five thousand
            continue
        if m.group(2).lower() == "in" and " " in m.group():
            continue  # '5 in a box' is the word 'in'; inches are written 24in, 24" or 24 inch
        if free(*m.span()):
            found.append((m.start(), Spec(name=_UNIT_OF[unit], value=_num(m.group(1)), unit=unit)))
            taken.append(m.span())
    for pattern, name in _CODES:
        for m in pattern.finditer(text):
            if free(*m.span()):
                found.append((m.start(), Spec(name=name, value=m.group(1).upper().replace(" ", "-"))))
    for regex, name, native in ((_MATERIAL_RE, "material", _MATERIALS_NATIVE), (_COLOUR_RE, "color", _COLOURS_NATIVE)):
        for m in regex.finditer(text):
            if m.start() in heads:
                continue
            word = m.group(1).lower()
            found.append((m.start(), Spec(name=name, value=native.get(word, word))))
    for m in _CJK_RE.finditer(text):
        if m.start() in heads:
            continue
        word = m.group()
        name = "material" if word in _MATERIALS_NATIVE else "color"
        found.append((m.start(), Spec(name=name, value=_MATERIALS_NATIVE.get(word) or _COLOURS_NATIVE[word])))
    out: dict[str, Spec] = {}
    for _, spec in sorted(found, key=lambda f: f[0]):
        out.setdefault(spec.name, spec)
    return list(out.values())[:limit]


def measures(text: str) -> list[tuple[tuple[int, int], Spec]]:
    """Every size and measure as written, with its span (all of them, in order: the listing studio's claims)."""
    found: list[tuple[tuple[int, int], Spec]] = []
    taken: list[tuple[int, int]] = []
    for m in _SIZE.finditer(text):
        dims = "x".join(f"{_num(g):g}" for g in m.groups()[:3] if g)
        found.append((m.span(), Spec(name="size", value=dims, unit=_canonical(m.group(4)) if m.group(4) else None)))
        taken.append(m.span())
    for m in _MEASURE.finditer(text):
        unit = _canonical(m.group(2))
        if (unit == "K" and not re.fullmatch(r"\d{4}", m.group(1))) or (m.group(2).lower() == "in" and " " in m.group()):
            continue
        if not any(m.start() < y and x < m.end() for x, y in taken):
            found.append((m.span(), Spec(name=_UNIT_OF[unit], value=_num(m.group(1)), unit=unit)))
    for pattern, name in _CODES:
        found += [(m.span(), Spec(name=name, value=m.group(1).upper())) for m in pattern.finditer(text)]
    return sorted(found, key=lambda f: f[0])


def words_of(kind: str, text: str) -> list[tuple[tuple[int, int], str]]:
    """Materials or colours named in ``text`` (English, or the native words the spec reader knows), as their English
    names, with spans."""
    regex, native = (_MATERIAL_RE, _MATERIALS_NATIVE) if kind == "material" else (_COLOUR_RE, _COLOURS_NATIVE)
    out = [(m.span(1), native.get(m.group(1).lower(), m.group(1).lower())) for m in regex.finditer(text)]
    for m in _CJK_RE.finditer(text):
        if (m.group() in _MATERIALS_NATIVE) == (kind == "material"):
            out.append((m.span(), _MATERIALS_NATIVE.get(m.group()) or _COLOURS_NATIVE[m.group()]))
    return out


def strip_measures(text: str) -> str:
    """The words without sizes, measures and codes ('LED bulb E27 9W' -> 'LED bulb'), for a product name."""
    for pattern in (_SIZE, _MEASURE, *(p for p, _ in _CODES)):
        text = pattern.sub(" ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    return re.sub(r"\s+", " ", re.sub(r"[\s,;/(-]+$|^[\s,;/)-]+", "", text)).strip()


def to_base(value: float, unit: str | None) -> tuple[float, str | None]:
    """3.6 kW -> (3600, 'W'); 1.5 L -> (1500, 'ml'); units without a conversion are returned as they are."""
    if unit is None:
        return value, None
    canonical = next((c for p, c, _ in _UNITS if re.fullmatch(p, unit, re.I)), unit)
    base, factor = _BASE.get(canonical, (canonical, 1))
    return value * factor, base


def label(spec: Spec) -> str:
    value = f"{spec.value:g}" if isinstance(spec.value, float) else spec.value
    return f"{value}{spec.unit or ''}" if isinstance(spec.value, float) else f"{value}{' ' + spec.unit if spec.unit else ''}"


def material_at(text: str, start: int) -> tuple[str, int] | None:
    """The material named right at ``start`` (after spaces): (its words as written, where they end)."""
    at = len(text) - len(text[start:].lstrip())
    for rx in (_MATERIAL_RE, _CJK_RE):
        m = rx.match(text, at)
        if m and (m.group(0).lower() in _MATERIALS_NATIVE or m.group(0).lower() in MATERIALS):
            return m.group(0), m.end()
    return None
