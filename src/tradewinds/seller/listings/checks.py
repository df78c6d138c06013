"""The checks a localized listing must pass before it may be published, each with its reason:

- **claims**: every claim of the output is one of the source's (after unit conversion), and every required claim of
  the source survives (numbers with units, sizes, model codes, certifications, materials, pack quantities);
- **limits**: title, bullets, description and keywords within the market's lengths (characters; keywords in bytes);
- **title rules**: no forbidden character, no word in ALL CAPS (model codes and units aside), no word repeated
  more often than the market allows;
- **banned**: none of the market's banned terms or claims, no phone numbers, emails or links where it forbids them,
  nothing of its taboos;
- **language**: each field in the target language, by the language identifier that ships its model (lingua) or the
  script;
- **ai label**: the text carries the market's AI label where the profile asks for one.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from ...lang.detect import detect_language
from ...lang.text import fold
from .claims import Claim, compare, extract
from .profiles import MarketProfile

CONTACT = re.compile(r"https?://|www\.|\b[\w.+-]+@[\w-]+\.[\w.]+\b|\+?\d[\d\s().-]{8,}\d")
FIELDS = ("title", "bullets", "description", "keywords")


class Listing(BaseModel):
    title: str = ""
    bullets: list[str] = Field(default_factory=list)
    description: str = ""
    keywords: list[str] = Field(default_factory=list)

    def texts(self) -> dict[str, str]:
        return {"title": self.title, "bullets": "\n".join(self.bullets), "description": self.description, "keywords": " ".join(self.keywords)}


class Check(BaseModel):
    name: str
    ok: bool
    detail: str = ""


class Report(BaseModel):
    checks: list[Check]
    added: list[str] = Field(default_factory=list, description="claims of the output the source does not make")
    lost: list[str] = Field(default_factory=list, description="required claims of the source the output lost")

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def _contains(haystack: str, term: str) -> bool:
    t = fold(term)
    return bool(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", haystack)) if t.isascii() else t in haystack


def check(source: str | list[Claim], listing: Listing, market: MarketProfile, language: str) -> Report:
    claims = extract(source) if isinstance(source, str) else source
    texts = listing.texts()
    out: list[Check] = []
    added, lost = compare(claims, extract("\n".join(texts.values())))
    out.append(Check(name="claims", ok=not added and not lost,
                     detail="; ".join([*(f"added or changed: {c.text} ({c.kind} {c.value})" for c in added),
                                       *(f"lost: {c.text} ({c.kind} {c.value})" for c in lost)])))
    t, b, d, k = market.title, market.bullets, market.description, market.keywords
    limits = []
    if len(listing.title) > t.max_chars:
        limits.append(f"title {len(listing.title)} characters > {t.max_chars}")
    if len(listing.bullets) > b.count:
        limits.append(f"{len(listing.bullets)} bullets > {b.count}")
    limits += [f"bullet {i} {len(x)} characters > {b.max_chars}" for i, x in enumerate(listing.bullets, 1) if len(x) > b.max_chars]
    if len(listing.description) > d.max_chars:
        limits.append(f"description {len(listing.description)} characters > {d.max_chars}")
    if len(texts["keywords"].encode()) > k.max_bytes and listing.keywords:
        limits.append(f"keywords {len(texts['keywords'].encode())} bytes > {k.max_bytes}")
    out.append(Check(name="limits", ok=not limits, detail="; ".join(limits)))
    rules = []
    bad = sorted({ch for ch in listing.title if ch in t.forbidden_chars})
    if bad:
        rules.append(f"title has {' '.join(bad)}")
    if t.no_all_caps:  # whole words of letters: a model code ('KXTG9343T') is not shouting, nor what the source capitalises ('DECT')
        as_written = set(re.findall(r"\w+", source)) if isinstance(source, str) else set()
        shouting = [w for w in re.findall(r"(?<!\w)[^\W\d_]{4,}(?!\w)", listing.title) if w.isupper() and w not in as_written]
        if shouting:
            rules.append(f"title in capitals: {', '.join(shouting)}")
    words = [w.lower() for w in re.findall(r"[^\W\d_]{4,}", listing.title)]
    repeated = sorted({w for w in words if words.count(w) > t.max_word_repeats})
    if repeated:
        rules.append(f"title repeats {', '.join(repeated)} more than {t.max_word_repeats} times")
    out.append(Check(name="title rules", ok=not rules, detail="; ".join(rules)))
    everything = fold("\n".join(texts.values()))
    hits = [f"banned term '{w}'" for w in market.rules.banned_terms if _contains(everything, w)]
    hits += [f"claim needing proof '{w}'" for w in market.rules.banned_claims if _contains(everything, w)]
    hits += [f"taboo '{w}'" for w in market.rules.taboos if _contains(everything, w)]
    if market.rules.no_contact_details and CONTACT.search("\n".join(texts.values())):
        hits.append("contact details (a link, an email or a phone number)")
    out.append(Check(name="banned", ok=not hits, detail="; ".join(hits)))
    wrong = []
    for name in ("title", "bullets", "description"):
        text = texts[name]
        if len(re.findall(r"[^\W\d_]{2,}", text)) >= 3:
            got = detect_language(text)
            if got != language:
                wrong.append(f"{name} reads as {got}")
    out.append(Check(name="language", ok=not wrong, detail="; ".join(wrong)))
    if market.ai_label.text:
        out.append(Check(name="ai label", ok=market.ai_label.text in listing.description,
                         detail="" if market.ai_label.text in listing.description else f"the description must carry {market.ai_label.text!r}"))
    return Report(checks=out, added=[c.text for c in added], lost=[c.text for c in lost])
