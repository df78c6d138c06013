"""Product concepts in the buyer's words, in the languages Tradewinds reads.

``lexicon/en.tsv`` lists each concept with its family in the Tradewinds product taxonomy (the
category leaves the demo catalog uses) and English synonyms; ``lexicon/<lang>.tsv`` gives its
names in one more language. A concept is what identity is decided on: "Edelstahl-Thermobecher"
is an insulated tumbler, not a wine glass, because the German word names that concept.

Matching, per script: Chinese, Japanese, Thai by substring; Korean from the start of a word
(particles may follow); Arabic by whole words with the article and one-letter prefixes; other
scripts by words, allowing inflected endings ('toalhas' ~ 'toalha', 'кружек' ~ 'кружка',
'Bürostühle' ~ 'Bürostuhl') and, in compounding languages, a name at the end of a longer word
('Edelstahl-Thermobecher' ends in 'Thermobecher'). The earliest, then longest match wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..lang import LANGUAGES, cues, fold
from ..lang.text import LETTER

_UNSPACED = {"zh", "ja", "th"}
_COMPOUNDING = {"de", "nl", "sv", "da", "nb", "fi"}
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_TOKEN = re.compile(rf"{LETTER}+(?:[-'’]{LETTER}+)*|[A-Za-z0-9]+")


@dataclass(frozen=True)
class Concept:
    name: str  # the catalog name in English, e.g. "insulated tumbler"
    families: tuple[str, ...]  # taxonomy category leaves, e.g. ("Insulated tumblers",)
    head: str  # the head noun of the English name: "tumbler"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Term:
    concept: Concept
    native: str  # as written
    start: int
    end: int
    language: str
    qualifiers: tuple[Concept, ...] = ()  # other products the phrase names this one as for ('guitarra' in 'cuerdas de guitarra')

    @property
    def english(self) -> str:
        return self.concept.name


def _fold(text: str, language: str) -> str:
    if language == "vi":  # tone marks tell words apart ('tã' diaper, 'tạ' dumbbell): lower case only
        return "".join(ch.lower()[:1] or ch for ch in text)
    return fold(text).translate(_ARABIC_FOLD) if language == "ar" else fold(text)


def _rows(name: str) -> list[list[str]]:
    text = resources.files("tradewinds.sourcing").joinpath("lexicon").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def concepts() -> dict[str, Concept]:
    rows = _rows("en.tsv")
    out = {}
    for row in rows[1:]:
        name, families = row[0].strip(), tuple(f.strip() for f in row[1].split("|") if f.strip())
        head = fold(name).split()[-1].rstrip("s") if not name.endswith("ss") else fold(name).split()[-1]
        out[name] = Concept(name=name, families=families, head=head)
    return out


def names() -> dict[str, dict[str, Concept]]:
    """language -> {folded name: concept}. Refuses a file whose name means two concepts, or names an unknown one."""
    return _load()[0]


def surface(language: str, key: str) -> str:
    """A folded name as the lexicon writes it ('taza de ceramica' -> 'taza de cerámica'), for search queries."""
    return _load()[1].get((language, key), key)


@cache
def _load() -> tuple[dict[str, dict[str, Concept]], dict[tuple[str, str], str]]:
    known = concepts()
    out: dict[str, dict[str, Concept]] = {}
    written: dict[tuple[str, str], str] = {}
    for lang in LANGUAGES:
        try:
            rows = _rows(f"{lang}.tsv")
        except FileNotFoundError:
            continue
        table: dict[str, Concept] = {}
        start = 1 if lang == "en" else 0
        for n, row in enumerate(rows[start:], start + 1):
            concept = known.get(row[0].strip())
            if concept is None:
                raise ValueError(f"lexicon/{lang}.tsv, row {n}: unknown concept {row[0]!r}; concepts are listed in lexicon/en.tsv")
            synonyms = row[2] if lang == "en" else row[1] if len(row) > 1 else ""
            for synonym in filter(None, (s.strip() for s in (synonyms + ("|" + concept.name if lang == "en" else "")).split("|"))):
                # as written and as NFKC writes it (needs are NFKC-normalised: Thai 'ำ' becomes 'ํา')
                for form in dict.fromkeys((synonym, unicodedata.normalize("NFKC", synonym))):
                    key = " ".join(_fold(form, lang).split())
                    if key in table and table[key] is not concept:
                        raise ValueError(f"lexicon/{lang}.tsv: {synonym!r} names both {table[key].name!r} and {concept.name!r}")
                    table[key] = concept
                    written.setdefault((lang, key), synonym)
        out[lang] = table
    return out, written


_GERMANIC_ENDINGS = ("", "e", "n", "en", "er", "s", "es", "ern", "ns", "ens")
# Turkish suffixes that make another word of a noun rather than inflect it: 'sabunluk' is a soap dish, 'sabuncu' a
# soap seller, 'sabunsuz' without soap, 'sabunlu' with soap; 'sabunlar' (plural) and 'sabunu' are still soap
_TR_DERIVING = re.compile(r"^(?:l[ıiuü]k|l[ıiuü]ğ|c[ıiuü]|ç[ıiuü]|s[ıiuü]z|l[ıiuü](?!k))")


_ISOLATING = {"id", "ms", "vi", "th"}


def _word_match(token: str, word: str, inflect: bool = True, language: str = "") -> bool:
    """The word, its plural, or (``inflect``) an inflected form that changes at most its last two letters and
    adds at most three: 'toalhas'~'toalha', 'кружек'~'кружка', 'krzeseł'~'krzesło'; not 'bestellen'~'besteck'."""
    if token == word or token in (word + "s", word + "es") or (word.endswith("y") and token == word[:-1] + "ies"):
        return True
    if language == "nl" and word[-1:].isalpha() and token == word + word[-1] + "en":  # 'steppen', 'potten' (not 'kopen')
        return True
    if language == "it" and word.endswith(("cia", "gia")) and token == word[:-2] + "e":  # 'borracce', 'valigie'
        return True
    if language == "ar" and len(word) >= 4 and token in (word + "ات", word[:-1] + "ات" if word.endswith(("ه", "ا")) else None):
        return True  # the sound feminine plural of loan words and -a nouns: 'تيشيرتات', 'كاميرات', 'ساعات'
    if language == "tr":
        stem = word[:-3] if word.endswith(("lar", "ler")) else word  # the lexicon's plural 'sabunlar' names 'sabun' too
        if token.startswith(stem) and _TR_DERIVING.match(token[len(stem):]):
            return False
    if not inflect or len(word) < (5 if word.isascii() else 4):  # 'мешок', 'मशीन' ('मशीनें'): short in letters, not in sounds
        return False
    if language in _ISOLATING and not token.startswith(word):
        return False  # these add suffixes ('wajannya') but never change a word's ending: 'wajah' (face) is not 'wajan' (a pan)
    common = 0
    while common < min(len(token), len(word)) and token[common] == word[common]:
        common += 1
    word_tail, token_tail = len(word) - common, len(token) - common
    if common < 4 or word_tail > 2 or token_tail > 3:
        return False
    if language in _COMPOUNDING and word_tail == 0 and token[common:] not in (*_GERMANIC_ENDINGS, word[-1:] + "en"):
        return False  # 'Deckel' is not a 'Decke' with an ending
    return len(token) >= len(word) or word_tail <= 1  # 'blank' is not a shortened 'blanket'


@cache
def _index(lang: str) -> tuple[dict[str, list[tuple[tuple[str, ...], Concept, str]]], re.Pattern | None]:
    """For spaced scripts: first word -> [(words, concept, name)], longest first; for unspaced: one alternation."""
    table = names().get(lang, {})
    if lang in _UNSPACED or lang == "ko":
        ordered = sorted(table, key=len, reverse=True)
        if not ordered:
            return {}, None
        if lang == "ko":  # from the start of a word; spaces inside a name are optional ('노트북백팩')
            body = "|".join("(?<![가-힣])" + r"\s*".join(re.escape(ch) for ch in k.replace(" ", "")) for k in ordered)
            return {}, re.compile(body)
        return {}, re.compile("|".join(re.escape(k.replace(" ", "")) for k in ordered))
    by_first: dict[str, list[tuple[tuple[str, ...], Concept, str]]] = {}
    for key, concept in table.items():
        words = tuple(key.split())
        by_first.setdefault(words[0][:3], []).append((words, concept, key))
    for entries in by_first.values():
        entries.sort(key=lambda e: -len(e[2]))
    return by_first, None


def _tokens(folded: str, lang: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(folded)]


# Arabic proclitics: 'و'/'ف' (and), 'ب'/'ل'/'ك' (with, for, like), the article 'ال', and 'لل' ('ل' + 'ال': 'للكاميرا')
_AR_PREFIXES = sorted({c + p + a for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك") for a in ("", "ال")} - {""}
                      | {"لل", "ولل", "فلل"}, key=len, reverse=True)


_ELIDED = re.compile(r"^(?:l|d|qu|un|dell|dall|nell|all|sull|coll)['’](?=\w{2})")


def _forms(token: str, lang: str) -> tuple[str, ...]:
    """A token as written and without an elided article ("d'huile" -> 'huile', "dell'olio" -> 'olio') or, in Arabic,
    without the article or a one-letter prefix ('والمناشف' -> 'مناشف')."""
    if lang != "ar":
        bare = _ELIDED.sub("", token)
        return (token, bare) if bare != token else (token,)
    # every reading: 'وكرسي' is 'و' + 'كرسي' (a chair), not 'وك' + 'رسي'; a bare 'و' may leave two letters ('ورف': a shelf)
    stripped = [token[len(p):] for p in _AR_PREFIXES if token.startswith(p) and len(token) - len(p) >= (2 if p in "وف" else 3)]
    return (token, *dict.fromkeys(stripped))


def find_terms(text: str, language: str) -> list[Term]:
    """Product concepts named in ``text`` in ``language`` (plus English, which buyers mix in), in order, not overlapping.
    When neither names one, every other language is tried: a short request is easily taken for another language."""
    found: list[Term] = []
    for lang in dict.fromkeys((language, "en")):
        found += _find(text, lang, inflect=lang == language, compounding=language in _COMPOUNDING)
    if not found:
        for lang in names():
            if lang not in (language, "en"):  # one character of another language's script is a word there, not here ('机')
                found += [t for t in _find(text, lang, inflect=False, compounding=language in _COMPOUNDING)
                          if len(t.native.strip()) >= 2]  # its words as listed
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Term] = []
    for t in found:
        if not any(t.start < o.end and o.start < t.end for o in out):
            out.append(t)
    return _made_of(text, _noun_phrases(text, out, language), language)


# Languages whose noun phrase puts the head noun first ('เสื้อยืดผ้าฝ้าย' is a t-shirt of cotton, 'camiseta de algodón' a
# t-shirt); in the others it comes last ('노트북 백팩' is a backpack, 'Baumwoll-T-Shirt' a t-shirt).
HEAD_FIRST = {"th", "vi", "id", "ms", "fr", "es", "it", "pt", "ro", "ar", "he", "fa"}
_LINK = re.compile(r"^[\s-]*(?:de|di|da|do|du|des|del|della|of|em|en|à|a|в|из|từ|bằng|cho|dari|untuk|para|per|for|pour|für|"
                   r"ใส่|สำหรับ|के लिए)?[\s-]*$", re.I)


def _noun_phrases(text: str, terms: list[Term], language: str) -> list[Term]:
    """Terms next to each other name one product: its head, by the language's word order."""
    merged: list[Term] = []
    for t in terms:
        joined_by_and = language == "ar" and t.native[:1] in ("و", "ف")  # 'وبالمناشف': 'and the towels'
        if merged and _LINK.match(text[merged[-1].end:t.start]) and not joined_by_and:
            last = merged.pop()
            compound = names().get(language, {}).get(" ".join(_fold(text[last.start:t.end], language).split()))
            # 'coffee beans for espresso machines': a linking word puts the head first in every language; side by side
            # ('laptop backpack'), the language's order decides
            linked = bool(text[last.end:t.start].strip(" -"))
            if linked and _is_count_word(last.native, language):  # 'scatole di biscotti', 'boxes of gloves': the goods
                merged.append(Term(t.concept, text[last.start:t.end], last.start, t.end, language, t.qualifiers))
                continue
            head, other = (last, t) if language in HEAD_FIRST or linked else (t, last)
            if set(other.concept.families) < set(head.concept.families):  # 'tumbler cups': the more specific one
                head, other = Term(other.concept, head.native, head.start, head.end, language, head.qualifiers), head
            qualifiers = (*head.qualifiers, *other.qualifiers)
            if compound is None and other.concept is not head.concept and other.concept.name not in MATERIAL_CONCEPTS \
                    and not set(other.concept.families) & set(head.concept.families) and not is_material(other.native):
                # another product named with it ('cuerdas de guitarra', 'corde per chitarra', 'coffee beans for espresso
                # machines'): kept as a qualifier, which the catalog's titles of the head's kind must mention
                qualifiers += (other.concept,)  # 'cuerdas de guitarra': strings for a guitar, checked against the catalog
            t = Term(compound or head.concept, text[last.start:t.end], last.start, t.end, language, qualifiers if compound is None else ())
        merged.append(t)
    return merged


_MADE_OF = re.compile(r"\s*(?:(?:de|di|em|en|bằng|từ|dari|ทำจาก|จาก|من)(?:\s+|$))?", re.I)


def _made_of(text: str, terms: list[Term], language: str) -> list[Term]:
    """In a head-first language the material comes last, past the other modifiers: 'แก้วกาแฟกระดาษ' is a coffee cup
    of paper, which is the concept 'แก้วกระดาษ' (paper cup), and 'bình nước thủy tinh' a 'bình thủy tinh' (glass bottle).
    A term followed by a material becomes the concept named by its first words and that material, when there is one."""
    if language not in HEAD_FIRST:
        return terms
    from .specs import material_at

    table, unspaced = names().get(language, {}), language in _UNSPACED
    out = []
    for i, t in enumerate(terms):
        link = _MADE_OF.match(text, t.end)
        made = material_at(text, link.end()) if link else None
        if made and (i + 1 == len(terms) or made[1] <= terms[i + 1].start):
            material, end = _fold(made[0], language), made[1]
            head = _fold(t.native, language)
            for key, concept in table.items():
                if concept is t.concept or not key.endswith(material):
                    continue
                start = key[:-len(material)].strip()
                if start and (head.startswith(start) if unspaced else (head + " ").startswith(start + " ")):
                    t = Term(concept, text[t.start:end], t.start, end, language, t.qualifiers)
                    break
        out.append(t)
    return out


def _is_count_word(native: str, language: str) -> bool:
    """A container or measure the goods are counted in ('scatole', 'cajas', 'bottles'), in the language or English."""
    word = fold(native).strip()
    return " " not in word and any(bool(c) and c.end == len(word) for c in
                                   (cues.starts_with("count", word, gap=0, language=lang) for lang in {language, "en"}))


def _find(text: str, lang: str, inflect: bool = True, compounding: bool = False) -> list[Term]:
    """``compounding``: the need is in a compounding language, where a hyphen joins a modifier to its head ('tv-muurbeugels')."""
    folded = _fold(text, lang)
    by_first, rx = _index(lang)
    table = names().get(lang, {})
    out: list[Term] = []
    if rx is not None and lang == "ko":
        for m in rx.finditer(folded):
            key = next((k for k in table if k.replace(" ", "") == re.sub(r"\s+", "", m.group(0))), None)
            if key is not None:
                out.append(Term(table[key], text[m.start():m.end()], m.start(), m.end(), lang))
        return out
    if rx is not None:
        squeezed_map = [i for i, ch in enumerate(folded) if not ch.isspace()]
        squeezed = "".join(folded[i] for i in squeezed_map)
        for m in rx.finditer(squeezed):
            a, b = squeezed_map[m.start()], squeezed_map[m.end() - 1] + 1
            key = next((k for k in table if k.replace(" ", "") == m.group(0)), m.group(0))
            out.append(Term(table[key], text[a:b], a, b, lang))
        return out
    tokens = _tokens(folded, lang)
    # English inflects by plurals only ('closure' is not 'closet'); root-and-pattern words neither ('دولار' is not 'دولاب')
    inflect = inflect and lang not in ("en", "ar", "he", "fa")
    i = 0
    while i < len(tokens):
        word, a, _ = tokens[i]
        best = None
        for first in _forms(word, lang):
            for words, concept, _key in by_first.get(first[:3], []):
                n = len(words)
                if i + n <= len(tokens) and all(any(_word_match(f, words[k], inflect, lang) for f in _forms(tokens[i + k][0], lang))
                                                for k in range(n)):
                    best = (n, concept)
                    break
            if best:
                break
        if best is None and lang in _COMPOUNDING and len(word) > 6:  # the name at the end of a compound, with a plural ending
            tail = word.split("-")[-1]
            for cut in range(0, len(tail) - 4):
                part = tail[cut:]
                concept = next((table[p] for p in (part, part[:-1], part[:-2]) if len(p) >= 5 and p in table
                                and part[len(p):] in ("", "e", "n", "s", "en", "er")), None)
                if concept is not None:
                    best = (1, concept)
                    break
        if best is None and "-" in word:  # 'Edelstahl-Thermobecher', 'LED-Lampe'
            for part in reversed(word.split("-")[1:]):
                concept = table.get(part)
                if concept is not None and len(part) >= 4:
                    best = (1, concept)
                    break
        if best is None and "-" in word and lang not in _COMPOUNDING and not compounding:  # 'зонтов-тростей': the first noun is the head
            part = word.split("-")[0]
            best = next(((1, concept) for words, concept, _key in by_first.get(part[:3], [])
                         if len(words) == 1 and _word_match(part, words[0], inflect, lang)), None)
        if best is not None:
            n, concept = best
            out.append(Term(concept, text[a:tokens[i + n - 1][2]], a, tokens[i + n - 1][2], lang))
            i += n
        else:
            i += 1
    return out


MATERIAL_CONCEPTS = {"fabric", "cotton fabric", "polyester fabric"}  # as a modifier they say what a product is made of


def is_material(text: str) -> bool:
    """A material or colour ('algodão', 'cotton', 'acier inoxydable'): a phrase's modifier, never another product."""
    from .specs import find_specs

    specs = find_specs(text)
    return bool(specs) and all(s.name in ("material", "colour", "color") for s in specs)


def nearest(terms: list[Term], span: tuple[int, int]) -> Term | None:
    """The term closest to a quantity's position (the product it counts)."""
    def distance(t: Term) -> int:
        return max(t.start - span[1], span[0] - t.end, 0)
    return min(terms, key=distance, default=None)


def names_phrase(phrase: str) -> Concept | None:
    """The concept a phrase is a name of, as a whole, in any language the lexicon has ('bolsas de tela' is a tote bag
    in Spanish, whatever language a short request was taken for)."""
    for lang in names():
        for t in _find(phrase, lang):
            if t.start == 0 and t.end == len(phrase.rstrip()):
                return t.concept
    return None


def title_concepts(text: str, language: str = "en") -> set[Concept]:
    """The concepts a catalog title or description names, in its language and in English."""
    return {t.concept for lang in dict.fromkeys((language, "en")) for t in _find(text, lang, inflect=lang == language)}


_AFTER_HEAD = {"for", "with", "and", "in", "of", "set", "kit", "pack", "per", "from", "by", "to", "on", "x"}
_FOR_BEFORE = re.compile(r"(?:\b(?:de|di|da|do|du|des|del|della|para|pour|per|for|für|voor|dla|для|için|untuk|cho)\s+|[dl]['’])$",
                         re.I)


def title_heads(text: str, language: str = "en") -> set[Concept]:
    """The concepts a title names as what the product is, not as what it belongs to: 'Bicycle Saddle' and 'Sillín de
    bicicleta' are saddles; neither is a bicycle. In a head-final title a concept followed by another word is its
    modifier; in a head-first one, a concept after a linking word ('de', 'para')."""
    from .specs import COLOURS, MATERIALS

    descriptive = {w for m in (*MATERIALS, *COLOURS) for w in m.split()} | _AFTER_HEAD
    out: set[Concept] = set()
    for lang in dict.fromkeys((language, "en")):
        for t in _find(text, lang, inflect=lang == language):
            if lang in HEAD_FIRST:
                if _FOR_BEFORE.search(_fold(text[:t.start], lang)):
                    continue
            else:
                after = re.match(rf"[\s-]*({LETTER}+)(?![\w-]*\d)", text[t.end:])
                if after and len(after.group(1)) >= 3 and fold(after.group(1)) not in descriptive:
                    continue
            out.add(t.concept)
    return out
