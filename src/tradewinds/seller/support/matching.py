"""A customer's words matched to the shop's records, without a model: which item of an order ("the kettle"), which
variant they want ("the blue 1000 ml bottle", "clicky switches", "the bigger one"), which payment method ("my gift
card", "card ending 4242", "paypal_123").

Everything is matched on folded text (case, accents, width) against the records themselves: product names and their
head word, option values with their spacing ("1000ml" is "1000 ml"), a value's distinctive word ("Google" for
"Google Assistant"), an option named next to its value ("frame color black"). Ambiguity is reported, never guessed:
a caller asks the customer or hands off.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from ...lang.text import boundary_pattern, fold, unspaced
from ...shop.schemas import Customer, Order, OrderItem, PaymentMethod, Product, Variant
from . import cues

# Where a word of a spaced script ends: at the end of its own letters and digits, so 'Ito이고', '#W123을' and
# 'Kettle를' (a Korean particle written onto a Latin word) still hold the word.
_SPACED = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff_"
BEFORE, AFTER = f"(?<![{_SPACED}])", f"(?![{_SPACED}])"

SIZES = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"]
WORD_SIZES = ["portable", "small", "medium", "large"]


def norm(text: str) -> str:
    """Folded, with a number and its unit written together ('1000 ml' -> '1000ml') and spaces collapsed."""
    text = fold(text)
    text = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\s+(?=[a-z%])", r"\1", text)  # not an id's digits: '#w1000002 a 953 ...'
    return re.sub(r"\s+", " ", text)


def _has(phrase: str, text: str) -> re.Match | None:
    """``phrase`` as a whole word (a number not inside a longer number or an id: '8' is not in 'card_7219486')."""
    if not phrase:
        return None
    if unspaced(phrase):
        return re.search(boundary_pattern(phrase), text)
    body = r"\s*".join(re.escape(part) for part in phrase.split())
    return re.search(BEFORE + r"(?<!\d\.)" + body + r"(?!\.\d)" + AFTER, text)


def _plural_ok(phrase: str) -> str:
    """A regex for a folded name, whole words, its last word also in the plural ('bottles', 'boxes')."""
    return BEFORE + r"\s*".join(re.escape(w) for w in phrase.split()) + r"(?:e?s)?" + AFTER


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# -- items ---------------------------------------------------------------------------------------------------------
@dataclass
class Mention:
    """Where the customer named a product of the order."""

    product_id: str
    start: int
    end: int
    strength: int  # 2: the full name, 1: its head word


def product_mentions(text: str, items: list[OrderItem]) -> list[Mention]:
    """Each place in ``text`` (normalised) that names a product among ``items``: the full name, else its head word,
    else a name in the customer's language of the product concept the name is (the product lexicon's: 'camiseta' is a
    T-Shirt); 'the other one' names the product just named again when the order has two of it."""
    found: list[Mention] = []
    names = {i.product_id: i.name for i in items}
    for pid, name in names.items():
        full = norm(name)
        variants = {full, full.replace("-", " "), full.replace("-", ""), " ".join(_singular(w) for w in full.split())}
        spans = [(m.start(), m.end(), 2) for v in variants for m in re.finditer(_plural_ok(v), text)]
        if not spans:
            head = _singular(full.replace("-", " ").split()[-1])
            if len(head) >= 3:
                spans = [(m.start(), m.end(), 1) for m in re.finditer(_plural_ok(head), text)]
        if not spans:
            heads = _heads(name)
            spans = [(t.start, t.end, 1) for t in _native_terms(text) if t.concept.name in heads]
        seen = set()
        for s, e, k in sorted(spans):
            if s not in seen:
                seen.add(s)
                found.append(Mention(pid, s, e, k))
    # a head word shared by two of the order's products names neither ("camera" with two cameras)
    heads = {}
    for m in found:
        heads.setdefault((m.start, m.strength), set()).add(m.product_id)
    found = [m for m in found if m.strength == 2 or len(heads[(m.start, 1)]) == 1]
    # a product's name used as another's option value ("compartment: laptop", "a laptop compartment") names no item
    option_names = sorted({norm(k) for i in items for k in i.options}, key=len, reverse=True)
    if option_names:
        alt = "|".join(re.escape(o) for o in option_names)
        found = [m for m in found if not re.search(rf"(?:{alt})\s*:?\s*$", text[max(0, m.start - 40):m.start])
                 and not re.match(rf"\s*(?:{alt})\b", text[m.end:])]
    # a mention inside a longer one belongs to the longer
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for m in found:
        if kept and m.start < kept[-1].end:
            continue
        kept.append(m)
    twice = {pid for pid in names if sum(i.product_id == pid for i in items) > 1}
    for h in cues.find("the_other", text):  # 'one kettle to ceramic, the other one to 1.5 liters'
        last = [m for m in kept if m.end <= h.start]
        if last and last[-1].product_id in twice and not any(m.start < h.end and h.start < m.end for m in kept):
            kept.append(Mention(last[-1].product_id, h.start, h.end, 1))
    return sorted(kept, key=lambda m: m.start)


@cache
def _heads(name: str) -> frozenset[str]:
    """The product concepts a shop's product name is (the lexicon's), by its head: 'Hiking Boots' -> leather shoes."""
    from ...sourcing.lexicon import title_heads

    return frozenset(c.name for c in title_heads(name))


@lru_cache(maxsize=256)
def _native_terms(text: str):
    """Product concepts named in the text's language (the lexicon's words; any other language's when it names none)."""
    from ...lang import detect_language
    from ...sourcing.lexicon import find_terms

    return tuple(find_terms(text, detect_language(text)))


def option_hits(text: str, product: Product) -> dict[str, list[tuple[str, int]]]:
    """Option values of ``product`` named in ``text``: {option: [(value, position)]} (exact value, or its one
    distinctive word; 'no backlight' is the value 'none' of backlight)."""
    values: dict[str, set[str]] = {}
    for v in product.variants:
        for k, val in v.options.items():
            values.setdefault(k, set()).add(val)
    option_words = {w for o in values for w in norm(o).split()}
    hits: dict[str, list[tuple[str, int]]] = {}
    measured = with_units(text)
    for option, vals in sorted(values.items()):
        exact, partial, spans = [], [], {}
        for val in sorted(vals):
            if norm(val) in ("yes", "no"):  # a bare 'no' is a word of every sentence: it says a value after its option
                m = next((m for m in re.finditer(BEFORE + norm(val) + AFTER, text)
                          if _has(norm(option), text[max(0, m.start() - 30):m.start()])), None)
            else:
                m = _has(norm(val), text) or _said_natively(val, text) or _measure(val, measured)
            if m is not None:
                exact.append((val, m.start()))
                spans[val] = m.span()
                continue
            # one word of the value that no other value of this option has and that names no option: "google", "clicky"
            others = {w for o in vals if o != val for w in norm(o).split()}
            for w in (w for w in norm(val).split() if len(w) >= 4 and w not in others and w not in option_words):
                if (m := _has(w, text)) is not None:
                    partial.append((val, m.start()))
                    break
            else:
                if norm(val) in ("none", "no") and (m := re.search(r"\b(?:no|without)\s+" + re.escape(norm(option)), text)):
                    exact.append((val, m.start()))
                    spans[val] = m.span()
        # a value inside a longer one that was named ('polarized' in 'non-polarized') was not named itself
        exact = [(v, p) for v, p in exact if not any(o != v and spans[o][0] <= spans[v][0] and spans[v][1] <= spans[o][1]
                                                   and spans[o] != spans[v] for o in spans)]
        if exact or partial:
            hits[option] = exact or partial
    return hits


@cache
def _native_values() -> dict[str, re.Pattern]:
    """English option value -> its names in the customer's languages (``option_words.toml``), as one pattern."""
    raw = tomllib.loads(resources.files(__package__).joinpath("option_words.toml").read_text(encoding="utf-8"))
    def rx(phrase: str) -> str:  # 'S码', 'v넥': a size letter written against a Chinese or Korean word
        return re.escape(phrase) if re.search(r"[\u3040-\u9fff\uac00-\ud7af]", phrase) else cues.phrase_regex(phrase)

    return {fold(value): re.compile("|".join(rx(fold(p)) for words in by_lang.values() for p in sorted(words, key=len, reverse=True)))
            for value, by_lang in raw.items()}


@dataclass(frozen=True)
class _Found:
    """Where a value was named, shaped like a match."""
    a: int
    b: int

    def start(self) -> int:
        return self.a

    def span(self) -> tuple[int, int]:
        return self.a, self.b


def _said_natively(value: str, text: str) -> re.Match | _Found | None:
    """The value written in the customer's language: 'morado' is purple, 'S码' is S, 'البوليستر' polyester; a value that
    is a product ('compartment: camera') by the product lexicon's names ('compartimento para cámara', '相机仓')."""
    rx = _native_values().get(norm(value))
    if rx is not None:
        return rx.search(text)
    heads = _heads(value)
    term = next((t for t in _native_terms(text) if t.concept.name in heads), None) if heads else None
    return _Found(term.start, term.end) if term else None


# Units of measure in the words customers use, each written as one sign so '7 inches', '7-inch', '7 pulgadas' and
# '7英寸' read alike (the sign keeps the text's length, so positions stay those of the text).
_UNITS = {
    "\ue001": ["inches", "inch", "in", "pulgadas", "pulgada", "pouces", "pouce", "zoll", "polegadas", "polegada", "英寸", "寸", "인치",
               "بوصات", "بوصة", "انش", "إنش"],
    "\ue002": ["feet", "foot", "ft", "pies", "pie", "pieds", "pied", "fuß", "fuss", "pés", "pé", "英尺", "呎", "피트", "أقدام", "اقدام", "قدم"],
    "\ue003": ["pounds", "pound", "lbs", "lb", "libras", "libra", "livres", "pfund", "磅", "파운드", "أرطال", "ارطال", "رطل"],
    "\ue004": ["liters", "liter", "litres", "litre", "litros", "litro", "l", "升", "리터", "لترات", "لتر"],
    "\ue005": ["milliliters", "milliliter", "millilitres", "ml", "mililitros", "毫升", "밀리리터", "مل"],
    "\ue006": ["hours", "hour", "horas", "hora", "heures", "heure", "stunden", "stunde", "小时", "시간", "ساعات", "ساعة"],
    "\ue007": ["bar", "bares", "巴", "바", "بار"],
}
_UNIT_OF = {fold(w): sign for sign, words in _UNITS.items() for w in words}
_MEASURE = re.compile(r"(?<![\d.a-z_])(\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?)(\s*-?\s*)(" +
                      "|".join(re.escape(w) for w in sorted(_UNIT_OF, key=len, reverse=True)) + r")(?![a-z])")


def with_units(text: str) -> str:
    """``text`` (folded) with each number's unit written as its sign, padded to the same length."""
    def sign(m: re.Match) -> str:
        out = m.group(1).replace(" ", "") + _UNIT_OF[m.group(3)]
        return out + " " * (len(m.group(0)) - len(out))

    return _MEASURE.sub(sign, text)


def _measure(value: str, measured: str) -> re.Match | None:
    """A value with a unit ('7-inch', '5 ft', '30-50 lbs') named with the unit in other words ('7 pulgadas', '5英尺')."""
    canon = with_units(norm(value)).strip()
    if canon == norm(value) or not any(ch in canon for ch in _UNITS):
        return None
    return re.search(r"(?<![\d.])" + re.escape(canon) + r"(?![\d])", measured)


def _ordered_values(values: list[str]) -> list[str] | None:
    """The values in size order, when they have one: numbers (with units), S/M/L, small/medium/large."""
    low = [norm(v) for v in values]
    if all(v in SIZES for v in low):
        return sorted(values, key=lambda v: SIZES.index(norm(v)))
    if all(v in WORD_SIZES for v in low):
        return sorted(values, key=lambda v: WORD_SIZES.index(norm(v)))
    nums = [re.match(r"(\d+(?:\.\d+)?)", v.replace(",", "")) for v in low]
    if all(nums):
        return [v for _, v in sorted(zip((float(n.group(1)) for n in nums), values))]
    return None


@dataclass
class Target:
    """The variant a customer asked for, or why it cannot be said."""

    variant: Variant | None
    wanted: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # "unavailable", "ambiguous", "nothing asked"
    choices: list[Variant] = field(default_factory=list)


def _direction(text: str) -> str | None:
    """'more' or 'less' when the words say which way ('más pequeña' is smaller, though 'más' alone says more)."""
    less = cues.find("less", text)
    more = [h for h in cues.find("more", text) if not any(h.start < x.end and x.start < h.end for x in less)]
    return "more" if more and not less else "less" if less and not more else None


def target_variant(product: Product, current: dict[str, str], text: str, hint: str = "") -> Target:
    """The available variant of ``product`` that has every option value named in ``text`` (normalised) and keeps as
    many of the current item's options as it can; comparatives ('bigger', 'smaller') move an ordered option one step.
    ``hint``: the words just before, which may name the option ("change the frame color to black")."""
    hits = option_hits(text, product)
    named = {o for o in hits if _has(norm(o), text) or _has(norm(o), hint[-40:])}
    owners: dict[str, list[str]] = {}
    for option, found in hits.items():
        for val, _ in found:
            owners.setdefault(norm(val), []).append(option)
    wanted: dict[str, str] = {}
    for option, found in hits.items():
        for val, pos in found:
            who = owners[norm(val)]
            if len(who) > 1:  # "black" is a frame colour and a lens colour: the option named before it, else one named
                near = [o for o in who if norm(o) in text[max(0, pos - 30):pos]]  # anywhere, else the one it changes
                pick = near[-1:] or [o for o in who if o in named] or [o for o in who if current.get(o) != val]
                if pick != [option]:
                    continue
            if option not in wanted or current.get(option) == wanted[option]:
                wanted[option] = val
    said = _direction(text)
    for direction, sign in (("more", 1), ("less", -1)):
        if said != direction:
            continue
        for option in ([o for o in current if _has(norm(o), text)] or [o for o in current if o.lower() in ("size", "capacity")]
                       or list(current)):
            order = _ordered_values(sorted({v.options[option] for v in product.variants if option in v.options}))
            if order and option not in wanted and current.get(option) in order:
                step = order.index(current[option]) + sign
                if 0 <= step < len(order):
                    wanted[option] = order[step]
                    break
    if not wanted:
        return Target(None, problem="nothing asked")
    fits = [v for v in product.variants if all(v.options.get(k) == val for k, val in wanted.items())]
    available = [v for v in fits if v.available]
    if not available:
        return Target(None, wanted, problem="unavailable", choices=[v for v in product.variants if v.available])
    keep = max(sum(v.options.get(k) == val for k, val in current.items()) for v in available)
    best = [v for v in available if sum(v.options.get(k) == val for k, val in current.items()) == keep]
    if len(best) > 1:
        return Target(None, wanted, problem="ambiguous", choices=best)
    return Target(best[0], wanted)


def prefer(target: Target, named: dict[str, list[tuple[str, int]]], current: dict[str, str]) -> Target:
    """An ambiguous choice settled by the other values the customer named anywhere in the request ('if there are several
    colours, I prefer black'), when exactly one of the choices has the most of them; else still ambiguous."""
    wanted = {o: {v for v, _ in found} for o, found in named.items() if o not in target.wanted}
    score = {v.item_id: sum(v.options.get(o) in vals and current.get(o) not in vals for o, vals in wanted.items()) for v in target.choices}
    best = max(score.values(), default=0)
    top = [v for v in target.choices if score[v.item_id] == best]
    if best and len(top) == 1:
        return Target(top[0], {**target.wanted, **{o: top[0].options[o] for o in wanted if top[0].options.get(o) in wanted[o]}})
    return target


JOINS = re.compile(r"[,;，；、]|\b(?:and|y|et|und|e)\b|和|以及|그리고|\sو")
# what comes after it is what the customer wants: "X to Y", "X por Y", "把 X 换成 Y", "X를 Y로", "X إلى Y"
CONNECTOR = re.compile(r"\b(?:to|for|into|with|instead of|instead|por|para|en lugar de|en vez de|par|au lieu de|gegen|statt|"
                       r"(?:la|lo|las|los) quiero|je (?:la|le|les) veux)\b|أريدها|أريده"
                       r"|->|→|换成|改成|换为|改为|改用|(?<=[)\w])[를을](?=\s)|إلى")


KO_TARGET = re.compile(r"(?<=[^\s(（])으?로(?=\s|[,.]|$)")  # Korean puts what is wanted before 로: 'blue로 바꿔 주세요'
SOFT_CONNECTOR = re.compile(r"\b(?:a|en|à|zu|in|de|di|da)\b|[으]?로(?=\s|$)|(?<![\u0600-\u06ff])ب")  # Arabic 'بـ' starts a word


def _connector(text: str, product: Product | None) -> re.Match | None:
    """Where what the customer wants begins: "to / for / por / 换成 / إلى", or a softer word ("a", "en", "로") when
    what follows it names an option value of the product."""
    strong = CONNECTOR.search(text)
    if strong is not None or product is None:
        return strong
    for m in SOFT_CONNECTOR.finditer(text):
        if m.group(0) in ("de", "di", "da") and not text[:m.start()].strip():
            continue  # 'el Tea Kettle de stainless steel ...': right after the name it says which one they have
        joins = [j.start() for j in _top_level_joins(text[m.end():])]
        if option_hits(text[m.end():m.end() + (joins[0] if joins else len(text))], product):
            return m
    return None


def _top_level_joins(text: str) -> list[re.Match]:
    """Commas and "and"s outside parentheses (an item's options are listed inside them)."""
    out, depth = [], 0
    marks = {m.start(): m for m in JOINS.finditer(text)}
    for i, ch in enumerate(text):
        depth += ch in "(（"
        depth -= ch in ")）" and depth > 0
        if i in marks and depth == 0:
            out.append(marks[i])
    return out


def pick_items(text: str, order: Order, products: dict[str, Product], *, all_items: bool = False) -> list[tuple[OrderItem, str, str]]:
    """The order's items the customer named, each with the words that say what they want instead, and the words
    before those (which describe the item they have, and may name the option). What they want: after the item's name
    and the options it has in parentheses, the words after "to / for / por / 换成 / 를" (or straight after the name),
    the first comma-separated part and each next one that names an option value of the product ("for one in 7-inch,
    32GB, silver, paid with paypal"); when those name none, the words just before its name ("the bigger bottle").
    The words between two names are split at the last comma or "and" between them."""
    if all_items:
        return [(i, "", "") for i in order.items]
    mentions = product_mentions(text, order.items)
    picked: list[tuple[OrderItem, str, str]] = []
    used: set[int] = set()
    cut = 0
    for n, m in enumerate(mentions):
        prefix = text[cut:m.start]
        last = [j.end() for j in _top_level_joins(prefix)]
        prefix = prefix[last[-1]:] if last else prefix
        end = mentions[n + 1].start if n + 1 < len(mentions) else len(text)
        gap = text[m.end:end]
        joins = [j.start() for j in _top_level_joins(gap)]
        if n + 1 < len(mentions):
            gap = gap[:joins[-1]] if joins else gap
            joins = [j for j in joins if j < len(gap)]
        cut = m.end + len(gap)
        product = products.get(m.product_id)
        described = re.match(r"\s*[(（][^)）]*[)）]", gap)  # "Tablet (10-inch, 128GB, gold)": what they have
        current, body = (described.group(0), gap[described.end():]) if described else ("", gap)
        wants, connector = "", _connector(body, product)
        before = prefix + " " + current + " " + (body[:connector.start()] if connector else "")
        ko = KO_TARGET.search(body)
        if product is not None and ko and (option_hits(body[:ko.start()], product) or _direction(body[:ko.start()])):  # 'Luggage Set은 4-piece, blue로 바꿔'
            wants, before = body[:ko.start()], prefix + " " + current
        elif product is not None:
            region = body[connector.end():] if connector else body
            bounds = [j.start() for j in _top_level_joins(region)] + [len(region)]
            wants, start = region[:bounds[0]], bounds[0]  # then each next comma-separated part that names an option value
            for stop in bounds[1:]:
                if not option_hits(region[start:stop], product):
                    break
                wants, start = region[:stop], stop
            if not option_hits(wants, product) and not any(cues.present(c, wants) for c in ("more", "less", "no_change")):
                wants = ""
                if connector is None:  # 'my T-Shirt is too big, one size smaller, still cotton, black if there is'
                    parts = [region[a:b] for a, b in zip([0, *[j + 1 for j in bounds[:-1]]], bounds)]
                    wants = " ".join(p for p in parts if option_hits(p, product) or _direction(p))
        if not wants:  # "the bigger bottle", "the blue 1000 ml one": the words before the name
            joins = [j.start() for j in _top_level_joins(body)]
            wants = prefix + " " + (body[:joins[0]] if joins else body)
        candidates = [k for k, i in enumerate(order.items) if i.product_id == m.product_id and k not in used]
        if not candidates:
            continue

        def agreement(k: int) -> int:  # two of the same product: the one whose current options the customer named
            return sum(1 for val in order.items[k].options.values() if _has(norm(val), before))
        k = max(candidates, key=agreement)
        if any(agreement(j) == agreement(k) and order.items[j].options != order.items[k].options for j in candidates if j != k):
            continue  # two different ones of it and nothing said which: asked, not guessed
        used.add(k)
        picked.append((order.items[k], wants, before))
    return picked


# -- payment methods -----------------------------------------------------------------------------------------------
def payment_in(text: str, customer: Customer) -> PaymentMethod | None:
    """The customer's payment method named in ``text``: its id, its kind when they have one of it, a card's last four.
    When several are named, the ones turned down ('to PayPal, not the card', 'prefiero PayPal antes que la tarjeta',
    '카드 말고 페이팔로', 'وليس إلى PayPal') give way to the one left; else the first named."""
    named: list[tuple[int, int, PaymentMethod]] = []
    for p in customer.payment_methods:
        named += [(m.start(), m.end(), p) for m in re.finditer(BEFORE + re.escape(p.id.lower()) + AFTER, text)]
    hits = [h for kind in ("gift_card", "paypal", "credit_card") for h in cues.find(kind, text)]
    for h in hits:
        if any(o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start for o in hits) or any(
                s <= h.start < e for s, e, _ in named):  # 'tarjeta' inside 'tarjeta de regalo', or inside an id
            continue
        mine = [p for p in customer.payment_methods if p.kind == h.concept]
        if h.concept == "credit_card":
            four = [p for p in mine if (p.details.get("last_four") or "~") in text]
            mine = four or mine
        if len(mine) == 1:
            named.append((h.start, h.end, mine[0]))
    named.sort(key=lambda n: n[0])
    methods = list(dict.fromkeys(p.id for _, _, p in named))
    if len(methods) > 1:
        declined = {p.id for s, e, p in named if _declined(text, s, e)}
        methods = [m for m in methods if m not in declined] or methods
    return next((p for p in customer.payment_methods if methods and p.id == methods[0]), None)


def _declined(text: str, start: int, end: int) -> bool:
    """The payment method named at [start, end) is turned down: a 'not' or 'rather than' word at most a few characters
    before it ('no a PayPal', '别退到 PayPal'), or a Korean '말고'/'보다' right after it, with no pause between."""
    before = re.split(r"[,;.，；。、،!?]", text[max(0, start - 16):start])[-1]
    after = re.split(r"[,;.，；。、،!?]", text[end:end + 6])[0]
    return any(len(before) - h.end <= 8 for h in cues.find("declined", before)) or cues.present("declined_after", after)


# -- addresses -----------------------------------------------------------------------------------------------------
ZIP = re.compile(BEFORE + r"\d{4,6}(?:-\d{4})?" + AFTER)
UNIT = re.compile(r"^(suite|ste|apt|apartment|unit|floor|fl|room|#)\b", re.I)


STREET = re.compile(r"(?<![\w#])\d+[A-Za-z]?\s+[^\W\d]")
NOT_ADDRESS = re.compile(r"[\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff08\uff09\uff1b\u3002;()]")


def find_address(text: str) -> dict[str, str] | None:
    """The first address written in ``text`` ('... to 953 Park Avenue, Suite 613, New York, NY 10064, USA'), in any
    language around it: from a house number and street to where the address's own script and punctuation end."""
    for m in STREET.finditer(text):
        tail = text[m.start():]
        end = NOT_ADDRESS.search(tail)
        found = parse_address(tail[:end.start()] if end else tail)
        if found is not None:
            return found
    return None


def parse_address(text: str) -> dict[str, str] | None:
    """An address written on one line ('953 Park Avenue, Suite 613, New York, NY 10064, USA') as the shop stores it,
    or None when it does not look like one (a street with a number, a city, a postal code)."""
    text = re.sub(r"[(（][^)）]*[)）]", " ", text)
    parts = [p.strip(" .") for p in re.split(r",|\n", text) if p.strip(" .")]
    if len(parts) < 3 or not re.search(r"\d", parts[0]):
        return None
    out = {"address1": parts[0], "address2": "", "city": "", "state": "", "country": "", "zip": ""}
    rest = parts[1:]
    if rest and UNIT.match(rest[0]):
        out["address2"] = rest.pop(0)
    for p in rest:
        z = ZIP.search(p)
        if z and not out["zip"]:
            out["zip"] = z.group(0)
            left = (p[:z.start()] + p[z.end():]).strip()
            if left and not out["state"] and (len(left) <= 3 or out["city"]):
                out["state"] = left
            elif left and not out["city"]:
                out["city"] = left
        elif not out["city"]:
            out["city"] = p
        elif not out["state"] and len(p) <= 3:
            out["state"] = p
        elif not out["country"]:
            out["country"] = p
    return out if out["city"] and out["zip"] else None
