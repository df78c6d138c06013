"""Deterministic extractors for the understand step, in English, Chinese, Spanish, Korean and Arabic.

They read numbers, quantities, money (unit caps vs total budgets), currencies, certifications,
countries (destination, allowed, excluded), Incoterms, lead times, seats and customization
straight from the buyer's text. They are exact where the small model is weak, and what they
find wins over the model. Nothing here executes or obeys the text: it is only matched.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..catalog.reference import country_code, incoterms
from ..catalog.schemas import KNOWN_CERTIFICATIONS

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalize(text: str) -> str:
    """NFKC (full-width digits and punctuation), Arabic-Indic digits, Arabic comma; whitespace squeezed."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS).replace("،", ",").replace("٫", ".")
    return re.sub(r"\s+", " ", text).strip()


def detect_language(text: str) -> str:
    if re.search(r"[\uac00-\ud7af]", text):
        return "ko"
    if re.search(r"[\u0600-\u06ff]", text):
        return "ar"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    words = set(re.findall(r"[a-záéíóúñü]+", text.lower()))
    spanish = {"necesito", "necesitamos", "quiero", "queremos", "busco", "buscamos", "para", "con", "unidades", "piezas",
               "precio", "cada", "menos", "presupuesto", "por", "de", "una", "un", "abrir", "máximo", "envío", "días"}
    english = {"need", "we", "want", "for", "with", "the", "and", "each", "under", "budget", "looking", "open", "buy", "to", "of"}
    return "es" if len(words & spanish) > len(words & english) or re.search(r"[ñáéíóú¿¡]", text.lower()) else "en"


_NUM = r"\d+(?:[.,]\d+)*"
_MULT = {"k": 1e3, "K": 1e3, "千": 1e3, "万": 1e4, "萬": 1e4, "m": 1e6, "M": 1e6, "mil": 1e3, "천": 1e3, "만": 1e4, "ألف": 1e3}


def parse_number(raw: str, mult: str | None = None) -> float:
    """'60,000' -> 60000, '1.5' -> 1.5, '2,5' -> 2.5 (a decimal comma), '60' + 'k' -> 60000."""
    s = raw.replace(" ", "")
    if "," in s and "." in s:
        s = s.replace(",", "") if s.rfind(".") > s.rfind(",") else s.replace(".", "").replace(",", ".")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = s.replace(",", "") if len(tail) == 3 else head.replace(",", "") + "." + tail
    elif s.count(".") > 1 or (s.count(".") == 1 and len(s.rpartition(".")[2]) == 3 and mult is None and len(s) > 4):
        s = s.replace(".", "")
    return float(s) * _MULT.get(mult or "", 1)


_CURRENCY_WORDS = [
    (r"US\$|\$|usd|dollars?|d[oó]lares|美元|美金|달러|دولار", "USD"), (r"€|eur|euros?|欧元|유로|يورو", "EUR"),
    (r"£|gbp|pounds?|libras?|英镑|파운드|جنيه", "GBP"), (r"aed|dirhams?|dh|迪拉姆|디르함|درهم", "AED"),
    (r"¥|rmb|cny|yuan|人民币|元|위안|يوان", "CNY"), (r"₩|krw|won|원|韩元", "KRW"), (r"mxn|pesos?", "MXN"),
    (r"sar|riyals?|ريال", "SAR"), (r"inr|rupees?|₹", "INR"), (r"jpy|円|日元|엔", "JPY"),
]
_CURRENCY_RE = "|".join(f"(?:{p})" for p, _ in _CURRENCY_WORDS)


def _currency_of(token: str) -> str | None:
    for pattern, code in _CURRENCY_WORDS:
        if re.fullmatch(pattern, token, re.I):
            return code
    return None


_MONEY = re.compile(
    rf"(?P<cur1>{_CURRENCY_RE})?\s?(?P<num>{_NUM})\s?(?P<mult>k\b|K\b|M\b|千|万|萬|천|만|mil\b|ألف)?\s?(?P<cur2>{_CURRENCY_RE})?",
    re.I)
_MEASURE = (r"%|x|oz|ml|l|cl|w|kw|v|mah|ah|wh|nm|lm|mm|cm|m|inch|in|\"|gsm|g|kg|lbs?|seats?|rooms?|days?|weeks?|months?|"
            r"天|日|周|个月|座|间|일|주|개월|석|días|semanas|meses|يوما|يوم|أيام|مقعد")
_BUDGET_CUES = r"budget|in total|total|overall|presupuesto|预算|總預算|总预算|총|예산|ميزانية|الميزانية|بميزانية"
_UNIT_CUES = (r"each|per (?:unit|piece|pc|item|set|chair|table)|a piece|apiece|/ ?(?:pc|pcs|unit|piece|ea)|unit price|"
              r"cada una?|por unidad|por pieza|la unidad|c/u|单价|每件|每个|每台|每套|一件|개당|단가|대당|개에|للقطعة|لكل قطعة|للوحدة|لكل وحدة|سعر الوحدة")
_CAP_CUES = (r"under|below|less than|at most|max(?:imum)?|no more than|up to|not (?:over|above|exceed)|within|cheaper than|"
             r"menos de|máximo|maximo|hasta|no más de|不超过|不高于|低于|以内|以下|最多|이하|미만|최대|넘지|أقل من|لا يتجاوز|حد أقصى|بحد أقصى")


@dataclass
class Money:
    amount: float
    currency: str | None
    kind: str  # "unit" or "total"
    span: tuple[int, int]


def find_money(text: str) -> list[Money]:
    """Amounts with a currency (or a price cue): per-unit caps vs total budgets, by the words around them."""
    out = []
    for m in _MONEY.finditer(text):
        cur = m.group("cur1") or m.group("cur2")
        if not m.group("num"):
            continue
        before, after = text[max(0, m.start() - 40):m.start()].lower(), text[m.end():m.end() + 25].lower()
        near = before[-40:] + " " + after
        has_cue = re.search(_BUDGET_CUES, near, re.I) or re.search(_UNIT_CUES, near, re.I) or re.search(_CAP_CUES, before[-25:], re.I)
        if not cur and not has_cue:
            continue
        if not cur and (re.match(rf"\s?(?:{_MEASURE})(?![a-z])", text[m.end():], re.I) or _QTY.match(text, m.start("num"))):
            continue
        amount = parse_number(m.group("num"), m.group("mult"))
        if re.search(_BUDGET_CUES, before[-30:] + " " + after[:12], re.I) and not re.search(_UNIT_CUES, after[:20], re.I):
            kind = "total"
        elif re.search(_UNIT_CUES, near, re.I) or re.search(_CAP_CUES, before[-25:], re.I):
            kind = "unit"
        else:
            kind = "total" if amount >= 5000 else "unit"
        out.append(Money(amount, _currency_of(cur) if cur else None, kind, m.span()))
    return out


_QTY_UNITS = (r"pcs|pc|pieces?|units?|sets?|pairs?|boxes|cartons|rolls|sheets|bottles|bags|meters|metres|kg|tons?|"
              r"unidades|piezas|juegos|pares|cajas|rollos|bolsas|botellas|"
              r"件|个|個|台|套|把|张|張|只|双|箱|卷|条|瓶|袋|片|顶|개|대|장|벌|켤레|세트|박스|병|قطعة|قطع|وحدة|وحدات|حبة|كرسي|طاولة")
_QTY = re.compile(rf"(?P<num>{_NUM})\s?(?P<mult>k\b|K\b|千|万|萬|천|만)?\s?(?P<unit>{_QTY_UNITS})", re.I)
_QTY_VERB = re.compile(rf"(?:need|want|order|buy|buying|purchase|source|looking for|necesito|necesitamos|quiero|queremos|compra[rm]?|"
                       rf"busco|buscamos|需要|采购|购买|要|订购|필요|구매|주문|نحتاج|أحتاج|نريد|أريد|شراء)\s?(?:about |around |unos |约)?(?P<num>{_NUM})"
                       rf"\s?(?P<mult>k\b|K\b|千|万|萬|천|만)?(?!\s?(?:{_CURRENCY_RE}|%|seats?|days?))", re.I)


def find_quantities(text: str, money: list[Money]) -> list[tuple[int, tuple[int, int]]]:
    taken = [m.span for m in money]
    out = []
    for rx in (_QTY, _QTY_VERB):
        for m in rx.finditer(text):
            if any(a <= m.start("num") < b for a, b in taken):
                continue
            value = parse_number(m.group("num"), m.group("mult"))
            if value >= 1 and value == int(value):
                out.append((int(value), m.span()))
                taken.append(m.span())
    if not out:  # "10k paper cups": the first bare number that is not money, a measure, seats or a lead time
        for m in re.finditer(rf"(?<![\w.,])(?P<num>{_NUM})\s?(?P<mult>k\b|K\b|千|万|萬|천|만)?(?!\s?(?:{_MEASURE}|{_CURRENCY_RE}))(?=\s?[^\W\d_])",
                             text, re.I):
            if any(a <= m.start() < b for a, b in taken) or re.match(r"\d{4}\s?K\b", text[m.start():]):  # 3000K: a colour temperature
                continue
            value = parse_number(m.group("num"), m.group("mult"))
            if value >= 1 and value == int(value):
                out.append((int(value), m.span()))
                break
    return sorted(out, key=lambda q: q[1][0])


_SEATS = re.compile(rf"(?P<num>{_NUM})\s?-?\s?(?:seats?|seater|covers|asientos|plazas|comensales|座|个座位|位|석|좌석|مقعد|مقعدا|مقاعد)", re.I)
_ROOMS = re.compile(rf"(?P<num>{_NUM})\s?-?\s?(?:rooms?|habitaciones|间客房|间房|客房|객실|실|غرفة|غرف)", re.I)
_PEOPLE = re.compile(rf"(?P<num>{_NUM})\s?-?\s?(?:people|staff|employees|desks|personas|empleados|人|명|موظف|شخص)", re.I)


def find_scale(text: str) -> dict[str, int]:
    out = {}
    for name, rx in (("seats", _SEATS), ("rooms", _ROOMS), ("people", _PEOPLE)):
        m = rx.search(text)
        if m:
            out[name] = int(parse_number(m.group("num")))
    return out


CERTIFICATIONS = tuple(dict.fromkeys(KNOWN_CERTIFICATIONS + (
    "EN 1335", "CARB", "FloorScore", "GMPC", "ISO 22716", "EN 174", "Organic", "Rainforest Alliance", "Fairtrade", "ISO 4210",
    "EN 17128", "EN ISO 20345", "Kosher")))


def find_certifications(text: str) -> list[str]:
    found = []
    for cert in CERTIFICATIONS:
        pattern = re.escape(cert).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")
        flags = 0 if len(cert) <= 3 and cert.isupper() else re.I  # "CE"/"UL"/"GS" only in capitals
        if re.search(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])", text, flags):
            found.append(cert)
    return found


_COUNTRY_ALIASES = {  # names not in the shipped table: cities, demonyms, Korean
    "dubai": "AE", "abu dhabi": "AE", "迪拜": "AE", "두바이": "AE", "دبي": "AE", "الإمارات": "AE", "아랍에미리트": "AE", "riyadh": "SA",
    "الرياض": "SA", "사우디": "SA", "중국": "CN", "chinese": "CN", "베트남": "VN", "vietnamese": "VN", "한국": "KR", "미국": "US",
    "일본": "JP", "독일": "DE", "인도": "IN", "터키": "TR", "스페인": "ES", "멕시코": "MX", "영국": "GB", "프랑스": "FR", "태국": "TH",
    "이탈리아": "IT", "대만": "TW", "méxico": "MX", "mexico": "MX", "españa": "ES", "madrid": "ES", "barcelona": "ES",
    "london": "GB", "berlin": "DE", "new york": "US", "los angeles": "US", "seoul": "KR", "서울": "KR", "부산": "KR",
    "上海": "CN", "北京": "CN", "深圳": "CN", "广州": "CN", "越南": "VN", "印度": "IN", "土耳其": "TR", "台湾": "TW", "美国": "US",
    "德国": "DE", "英国": "GB", "中国": "CN", "日本": "JP", "韩国": "KR", "西班牙": "ES", "墨西哥": "MX", "沙特": "SA", "الصين": "CN",
    "فيتنام": "VN", "الهند": "IN", "تركيا": "TR", "السعودية": "SA", "مصر": "EG", "القاهرة": "EG", "bogotá": "CO", "lima": "PE",
}
_EXCLUDE_CUES = (r"outside(?: of)?|not (?:from|in|made in)|no (?:suppliers? )?from|except|excluding|exclude|avoid|non-|"
                 r"fuera de|excepto|que no sea[n]? de|no de|sin proveedores de|除了|以外|不要|非|제외|말고|아닌|خارج|ليس من|باستثناء|غير")
_FROM_CUES = r"(?:suppliers?|factor(?:y|ies)|made|manufacturers?|sourced?) (?:in|from)|from|proveedores de|fabricad[oa]s? en|de origen|供应商|产地|工厂|공급업체|제조|موردين من|مصنع في"
_DEST_CUES = (r"\bin\b|\bto\b|ship(?:ping|ped)? to|deliver(?:y|ed)? to|for (?:my|our) .{0,30} in|destination|import(?:ing)? (?:to|into)|"
              r"en|a|para|hacia|envío a|在|到|运到|发往|送到|进口到|에서|으로|로|에|في|إلى")


def find_countries(text: str) -> dict[str, list[str]]:
    """{'destination': [...], 'include': [...], 'exclude': [...]} as ISO alpha-2 codes, by the cue before each mention."""
    lowered = text.lower()
    mentions: list[tuple[int, int, str]] = []
    names = sorted(_COUNTRY_ALIASES, key=len, reverse=True)
    for name in names:
        boundary = r"(?<![\w])" if name.isascii() else ""  # CJK, Hangul and Arabic names sit inside words
        for m in re.finditer(rf"{boundary}{re.escape(name)}", lowered):
            if not any(a <= m.start() < b for a, b, _ in mentions):
                mentions.append((m.start(), m.end(), _COUNTRY_ALIASES[name]))
    for m in re.finditer(r"[^\W\d_]+(?:[ -][^\W\d_]+){0,2}", text):
        words = m.group(0).split()
        for i in range(len(words)):  # longest known name starting at each word
            for j in range(len(words), i, -1):
                phrase = " ".join(words[i:j])
                if len(phrase) < 4 and not phrase.isupper():
                    continue
                if phrase.upper() in ("CE", "UL", "FDA", "GS", "CB", "CPC", "ERP", "SGS", "GRS", "TUV", "CCC", "FOB", "CIF", "DDP", "EXW", "USD", "EUR"):
                    continue
                code = country_code(phrase) if (len(phrase) > 3 or phrase.isupper() and len(phrase) in (2, 3) and phrase in ("USA", "UAE", "UK")) else None
                if code:
                    start = m.start() + len(" ".join(words[:i])) + (1 if i else 0)
                    if not any(a <= start < b for a, b, _ in mentions):
                        mentions.append((start, start + len(phrase), code))
                    break
    out: dict[str, list[str]] = {"destination": [], "include": [], "exclude": []}
    for start, end, code in sorted(mentions):
        before = lowered[max(0, start - 30):start]
        after = lowered[end:end + 12]
        if re.search(rf"(?:{_EXCLUDE_CUES})\s*(?:suppliers? )?(?:from |in |de )?$", before, re.I) or re.search(r"^\s*(?:以外|除外|제외|말고|아닌)", after):
            kind = "exclude"
        elif re.search(rf"(?:{_FROM_CUES})\s*$", before, re.I) or re.search(r"^\s*(?:的?供应商|工厂|공급업체|제조)", after):
            kind = "include"
        else:
            kind = "destination"
        if code not in out[kind]:
            out[kind].append(code)
    return out


def find_incoterm(text: str) -> str | None:
    for code in incoterms():
        if re.search(rf"(?<![A-Za-z]){code}(?![A-Za-z])", text):
            return code
    return None


_LEAD = re.compile(r"(?:within|in|under|less than|max(?:imum)?|en|dentro de|menos de|máximo|内|以内|이내|خلال|في غضون)?\s?"
                   rf"(?P<num>{_NUM})\s?(?P<unit>days?|weeks?|months?|días|semanas|meses|天|日|周|週|个月|일|주|개월|يوما|يوم|أيام|أسابيع|أسبوع|شهر)", re.I)
_LEAD_UNIT = {"week": 7, "semana": 7, "周": 7, "週": 7, "주": 7, "أسبوع": 7, "أسابيع": 7, "month": 30, "mes": 30, "个月": 30, "개월": 30, "شهر": 30}


def find_lead_time(text: str) -> int | None:
    for m in _LEAD.finditer(text):
        context = text[max(0, m.start() - 30):m.end() + 15].lower()
        if not re.search(r"deliver|lead|ship|arriv|within|need (?:it|them)|before|entrega|plazo|dentro|交货|交期|内|到货|납기|배송|이내|تسليم|خلال|غضون|شحن", context):
            continue
        unit = m.group("unit").lower()
        factor = next((v for k, v in _LEAD_UNIT.items() if unit.startswith(k)), 1)
        return int(parse_number(m.group("num")) * factor)
    return None


_CUSTOM = re.compile(r"(?:custom(?:ized|ised)?|personali[sz]ed|personalizad[oa]s?|(?:with )?(?:our|my) (?:own )?(?:logo|brand)|"
                     r"logo personalizado|con (?:nuestro|mi) logo|定制|定做|印(?:上)?logo|印刷logo|로고|맞춤|شعار|مخصص)[^,.;，。；]{0,40}", re.I)


def find_customization(text: str) -> str | None:
    m = _CUSTOM.search(text)
    return m.group(0).strip() if m else None


_INJECTION = re.compile(r"ignore (?:all |the )?(?:previous|above|prior)|system prompt|you are now|disregard|instructions?:|"
                        r"<\s*/?\s*(?:system|assistant|script)|忽略(?:之前|以上)|무시하|تجاهل", re.I)


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
    notes: list[str] = field(default_factory=list)


def extract(need: str) -> Extracted:
    text = normalize(need)
    money = find_money(text)
    currency = next((m.currency for m in money if m.currency), None)
    return Extracted(language=detect_language(text), quantities=find_quantities(text, money), money=money,
                     certifications=find_certifications(text), countries=find_countries(text), incoterm=find_incoterm(text),
                     lead_time_days=find_lead_time(text), customization=find_customization(text), scale=find_scale(text),
                     currency=currency, injection=looks_like_instructions(text))
