"""Product identity: which kinds of product a catalog carries, which kind a line asks for, and
whether a candidate is that kind.

A catalog's kinds are its categories (with their HS codes). A line's kind comes from the
concept the buyer named (``lexicon``): the concept's family in the Tradewinds taxonomy when the
catalog has that category, else the categories whose titles name the concept. A line with no
concept (words the lexicon lacks) gets the categories whose titles carry its head noun.

A candidate is the product only when it is of the line's kind *and* its title names the same
thing: its concept shares the line's head noun ("ceramic coffee mug" for a "coffee mug"), or
the line's own words are in it. A bar stool is in the same category as cafe chairs but is not a
chair; a wine glass is not a tumbler at all. Anything else is at most *related*.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from ..lang import cues, fold
from .lexicon import Concept, names, surface, title_concepts, title_heads
from .specs import COLOURS, MATERIALS

_WORD = re.compile(r"[^\W\d_]{3,}")
_GENERIC = {"set", "kit", "pack", "piece", "unit", "item", "machine", "product", "products", "supplier", "wholesale", "custom",
            "commercial", "new", "hot", "sale", "high", "quality", "factory", "direct", "oem", "box", "type"}


_DESCRIPTIVE = {_m for m in (*MATERIALS, *COLOURS) for _m in m.split()}


def _singular(word: str) -> str:
    w = fold(word)
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    return w[:-1] if w.endswith("s") and not w.endswith("ss") and len(w) > 3 else w


def leaf(category: str | None) -> str | None:
    return category.split(" > ")[-1].strip() if category else None


@dataclass(frozen=True)
class Kind:
    """What a line asks for: the catalog categories that are that product, and why."""

    categories: tuple[str, ...]
    hs_codes: tuple[str, ...]
    concept: str | None
    head: str | None
    why: str


@dataclass
class CatalogKinds:
    """The categories a catalog carries, the concepts their titles name and their words."""

    categories: dict[str, tuple[str | None, int]]  # path -> (HS code, products)
    concept_share: dict[str, dict[str, float]] = field(default_factory=dict)  # concept -> path -> share of titles naming it
    head_share: dict[str, dict[str, float]] = field(default_factory=dict)  # concept -> path -> share of titles that are one
    word_share: dict[str, dict[str, float]] = field(default_factory=dict)  # singular title word -> path -> share of titles
    built_at: float = field(default_factory=time.monotonic)

    @classmethod
    def from_repo(cls, repo, per_category: int = 200) -> CatalogKinds:
        kinds = cls({c: (hs, n) for c, hs, n in repo.categories()})
        for category, titles in repo.category_titles(per_category).items():
            if category not in kinds.categories:
                continue
            concepts: dict[str, int] = {}
            heads: dict[str, int] = {}
            words: dict[str, int] = {}
            for title, language in titles:
                for c in title_concepts(title, language):
                    concepts[c.name] = concepts.get(c.name, 0) + 1
                for c in title_heads(title, language):
                    heads[c.name] = heads.get(c.name, 0) + 1
                for w in {_singular(w) for w in _WORD.findall(title)}:
                    words[w] = words.get(w, 0) + 1
            for name, n in concepts.items():
                kinds.concept_share.setdefault(name, {})[category] = n / len(titles)
            for name, n in heads.items():
                kinds.head_share.setdefault(name, {})[category] = n / len(titles)
            for w, n in words.items():
                kinds.word_share.setdefault(w, {})[category] = n / len(titles)
        return kinds

    def by_leaf(self, family: str) -> list[str]:
        return [c for c in self.categories if leaf(c) == family]

    def resolve(self, concept: Concept | None, english: str, context: str = "") -> Kind:
        """The kind a line asks for. No categories means the catalog carries nothing of that kind. A concept of
        several families ('chair') takes the one whose titles share the most words with the rest of the need."""
        if concept is not None:
            cats = [c for f in concept.families for c in self.by_leaf(f)]
            if len(cats) > 1 and context:
                cats = self._by_context(cats, context, {_singular(w) for w in _WORD.findall(f"{concept.name} {english}")})
            why = f"'{concept.name}' is in the taxonomy family {', '.join(leaf(c) for c in cats)}" if cats else ""
            if not cats:  # the categories whose titles are that product ('bicycle saddles' are not bicycles)
                shares = self.head_share.get(concept.name, {})
                top = max(shares.values(), default=0.0)
                cats = [c for c, s in sorted(shares.items(), key=lambda kv: -kv[1]) if s >= max(0.15, 0.5 * top)]
                why = f"catalog titles in {', '.join(leaf(c) for c in cats)} name '{concept.name}'" if cats else \
                    f"the catalog carries no '{concept.name}'"
            return Kind(tuple(cats), self._hs(cats), concept.name, concept.head, why)
        words = [_singular(w) for w in _WORD.findall(english) if _singular(w) not in _GENERIC]
        head = words[-1] if words else None
        if head is None:
            return Kind((), (), None, None, f"no product word in {english!r}")
        shares = self.word_share.get(head, {})
        top = max(shares.values(), default=0.0)
        cats = [c for c, s in sorted(shares.items(), key=lambda kv: -kv[1]) if s >= max(0.2, 0.5 * top)][:3]
        # the other words of the name must be the category's too: 'watch straps' are not the ratchet straps of Ropes
        others = [w for w in words[:-1] if w not in _DESCRIPTIVE]
        cats = [c for c in cats if all(self.word_share.get(w, {}).get(c, 0.0) >= 0.02 for w in others)]
        why = (f"catalog titles in {', '.join(leaf(c) for c in cats)} carry '{head}'" if cats
               else f"no catalog title carries '{head}'")
        return Kind(tuple(cats), self._hs(cats), None, head, why)

    def fits(self, categories: list[str], qualifiers: list[Concept]) -> list[str]:
        """The categories whose titles mention every qualifier (its concept, or its head noun): strings for a guitar are
        rope only in a catalog whose ropes are sold for guitars."""
        def mentions(c: str, q: Concept) -> bool:
            return self.concept_share.get(q.name, {}).get(c, 0.0) >= 0.02 or self.word_share.get(_singular(q.head), {}).get(c, 0.0) >= 0.02
        return [c for c in categories if all(mentions(c, q) for q in qualifiers)]

    def mentions_word(self, category: str, word: str, language: str = "en") -> bool:
        """Do the category's titles carry the buyer's word, as written or, for a venue or audience word the cue tables
        list ('albergo', 'oficina'), in the English they name it with?"""
        forms = {_singular(word)} | {_singular(w) for w in cues.english_forms(word, language)}
        return any(self.word_share.get(f, {}).get(category, 0.0) >= 0.02 for w in forms for f in {w, *w.split()})

    def _by_context(self, categories: list[str], context: str, own: set[str]) -> list[str]:
        words = {_singular(w) for w in _WORD.findall(context)} - _GENERIC - own
        score = {c: sum(self.word_share.get(w, {}).get(c, 0.0) for w in words) for c in categories}
        best = max(score.values())
        if best <= 0:
            return categories
        ranked = sorted(categories, key=lambda c: -score[c])
        return [c for c in ranked if score[c] >= 0.5 * best]

    def _hs(self, categories: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h for c in categories if (h := self.categories[c][0])))


def same_kind(kind: Kind, line_words: list[str], title: str, language: str, category: str | None) -> tuple[bool, str]:
    """(is the product, evidence) for a candidate of ``category`` with ``title`` in ``language``."""
    if not kind.categories:
        return False, "the catalog has no product of the kind asked for"
    if category not in kind.categories:
        return False, f"category {leaf(category) or 'none'}, not {' / '.join(leaf(c) for c in kind.categories)}"
    folded = fold(title)
    named = title_concepts(title, language)
    if kind.concept is not None:
        concepts = {c.name: c for c in named}
        if kind.concept in concepts or any(c.head == kind.head for c in named):
            return True, f"{leaf(category)}; the title names {', '.join(sorted(concepts))}"
        own = [w for w in line_words if len(w) >= 4 and fold(w) in folded]
        if own:
            return True, f"{leaf(category)}; the title has '{own[0]}'"
        if named:
            return False, f"{leaf(category)}, but the title names {', '.join(sorted(concepts))}, not {kind.concept}"
        return False, f"{leaf(category)}, but the title does not name {kind.concept}"
    if kind.head and kind.head in {_singular(w) for w in _WORD.findall(title)}:
        return True, f"{leaf(category)}; the title has '{kind.head}'"
    return False, f"{leaf(category)}, but the title does not name '{kind.head}'"


def line_words(concept: Concept | None, language: str, native: str | None) -> list[str]:
    """The names of a line's concept in its language and English, and the buyer's own words: what a title may say."""
    out = [native] if native else []
    if concept is not None:
        for lang in dict.fromkeys((language, "en")):
            out += [surface(lang, k) for k, c in names().get(lang, {}).items() if c is concept]
    return list(dict.fromkeys(out))
