"""Learned re-ranker for same-product matching.

Small listwise-trained models (linear, or one tanh hidden layer; the artifact may hold an
ensemble whose probabilities are averaged) over pairwise features between the query and each
candidate: model numbers (exact / partial / conflicting), word and number overlap, brand,
price ratio, the lexical and dense scores and ranks the retrieval stage produced, and
*contrast* features that compare a candidate with the rest of the pool (a query word the
other top candidates share but this one lacks; a word only this one adds, such as
"upgrade", "expansion" or "platinum"). Trained by ``scripts/train_ranker.py`` on the
*train* split of the entity-matching benchmark; the artifact (``ranker.json``: feature
names, standardisation, weights) is a few KB.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from . import text as tx
from .schemas import SearchHit

FEATURES = (
    "lex_norm", "lex_present", "lex_rrank", "dense", "dense_gap", "dense_rrank", "fused_norm",
    "code_exact", "code_partial", "code_conflict", "q_code_in_text", "word_jaccard", "q_cover", "c_cover",
    "num_jaccard", "num_extra", "brand_match", "price_logratio", "price_missing",
    "idf_cover", "idf_extra", "trigram_jaccard", "lex_x_code",
    "q_digit_missing", "c_digit_extra", "len_ratio",
    "miss_contrast", "miss_contrast_max", "extra_rare", "split_cover", "number_conflict",
)
CONTRAST_TOP = 10  # the pool head the contrast features compare against
_ALNUM_EDGE = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def split_words(text: str) -> set[str]:
    """Words with letter/digit runs split apart, so "deluxe17" and "deluxe 17" compare equal."""
    return {part for w in tx.words(text) for part in _ALNUM_EDGE.split(w) if part}


def _prefix_ratio(a: str, b: str) -> float:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n / max(len(a), len(b))


class QueryProfile:
    """What the features need from the query, computed once per query."""

    def __init__(self, text: str, price: float | None = None) -> None:
        self.words = set(tx.words(text))
        self.codes = set(tx.codes(text))
        self.numbers = tx.numbers(text)
        self.digit_words = {w for w in self.words if any(ch.isdigit() for ch in w)}
        self.first = next(iter(tx.words(text)), "")
        self.joined = "".join(tx.words(text))
        self.trigrams = _trigrams(self.joined)
        self.split = split_words(text)
        self.split_numbers = {w for w in self.split if w.isdigit()}
        self.price = price


def _trigrams(s: str) -> set[str]:
    return {s[i:i + 3] for i in range(max(len(s) - 2, 0))}


def features(q: QueryProfile, hits: list[SearchHit]) -> np.ndarray:
    out = np.zeros((len(hits), len(FEATURES)), np.float64)
    if not hits:
        return out
    max_lex = max((h.lexical_score or 0.0) for h in hits) or 1.0
    max_dense = max((h.dense_score or 0.0) for h in hits)
    max_fused = max(h.score for h in hits) or 1.0
    texts = [" ".join(p for p in (h.brand, h.title, h.model_number) if p) for h in hits]
    word_sets = [set(tx.words(t)) for t in texts]
    # Pool IDF: a word shared by few candidates tells them apart (no corpus statistics needed).
    df: dict[str, int] = {}
    for ws in word_sets:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    n_pool = len(hits) + 1
    idf = {w: math.log(n_pool / (1 + c)) + 1.0 for w, c in df.items()}
    q_idf = sum(idf.get(w, math.log(n_pool) + 1.0) for w in q.words) or 1.0
    # Contrast with the pool head: how many of the top candidates carry each (split) word.
    splits = [split_words(t) for t in texts]
    top = min(CONTRAST_TOP, len(hits))
    head_df: dict[str, int] = {}
    for ws in splits[:top]:
        for w in ws:
            head_df[w] = head_df.get(w, 0) + 1
    for i, h in enumerate(hits):
        ctext = texts[i]
        cwords, ccodes, cnums = word_sets[i], set(tx.codes(ctext)), tx.numbers(ctext)
        cjoined = "".join(tx.words(ctext))
        exact = bool(q.codes & ccodes)
        partial = max((_prefix_ratio(a, b) for a in q.codes for b in ccodes), default=0.0)
        inter = len(q.words & cwords)
        union = len(q.words | cwords) or 1
        nunion = len(q.numbers | cnums) or 1
        price_ratio = 0.0
        missing = 1.0
        if q.price and h.unit_price:
            price_ratio, missing = abs(math.log(q.price / h.unit_price)), 0.0
        q_only, c_only = q.split - splits[i], splits[i] - q.split
        shared_missing = [head_df.get(w, 0) / top for w in q_only]
        c_numbers = {w for w in splits[i] if w.isdigit()}
        out[i] = (
            (h.lexical_score or 0.0) / max_lex, float(h.lexical_score is not None),
            1.0 / h.lexical_rank if h.lexical_rank else 0.0,
            h.dense_score or 0.0, (h.dense_score or 0.0) - max_dense,
            1.0 / h.dense_rank if h.dense_rank else 0.0, h.score / max_fused,
            float(exact), partial, float(bool(q.codes) and bool(ccodes) and not exact and partial < 0.6),
            float(any(c in cjoined for c in q.codes)) if q.codes else 0.0,
            inter / union, inter / (len(q.words) or 1), inter / (len(cwords) or 1),
            len(q.numbers & cnums) / nunion, len(cnums - q.numbers) / (len(cnums) or 1),
            float(bool(q.first) and (q.first in cwords or (h.brand or "").lower().startswith(q.first))),
            min(price_ratio, 3.0), missing,
            sum(idf[w] for w in q.words & cwords) / q_idf,
            sum(idf[w] for w in cwords - q.words) / (sum(idf[w] for w in cwords) or 1.0),
            len(q.trigrams & (ct := _trigrams(cjoined))) / (len(q.trigrams | ct) or 1),
            float(exact) * (h.lexical_score or 0.0) / max_lex,
            len(q.digit_words - cwords) / (len(q.digit_words) or 1),
            len({w for w in cwords if any(ch.isdigit() for ch in w)} - q.words) / (len(cwords) or 1),
            math.log((len(cwords) + 1) / (len(q.words) + 1)),
            sum(shared_missing), max(shared_missing, default=0.0),
            sum(1.0 - head_df.get(w, 0) / top for w in c_only),
            len(q.split & splits[i]) / (len(q.split) or 1),
            float(bool(q.split_numbers - c_numbers) and bool(c_numbers - q.split_numbers)),
        )
    return out


class LearnedRanker:
    """The artifact's models (one or an ensemble) over standardised features."""

    def __init__(self, weights: dict) -> None:
        if tuple(weights["features"]) != FEATURES:
            raise ConfigError("the re-ranker artifact was trained on other features than this code computes",
                              hint="re-run `python scripts/train_ranker.py` (needs ../shared/data/entity-matching)")
        self.mean = np.array(weights["mean"])
        self.std = np.array(weights["std"])
        self.members = [{k: np.array(v) for k, v in m.items()} for m in weights["members"]]
        self.meta = weights.get("meta", {})

    @staticmethod
    def logits(member: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        if "w1" in member:
            return np.tanh(x @ member["w1"] + member["b1"]) @ member["w2"]
        return x @ member["coef"]

    @classmethod
    def load(cls, path: Path | None = None) -> "LearnedRanker":
        text = path.read_text() if path else resources.files("tradewinds.search").joinpath("ranker.json").read_text()
        return cls(json.loads(text))

    def scores(self, q: QueryProfile, hits: list[SearchHit]) -> np.ndarray:
        """Softmax over the candidate pool, averaged over the members: the probability that each hit is the best match."""
        x = (features(q, hits) - self.mean) / self.std
        total = np.zeros(len(hits))
        for member in self.members:
            z = self.logits(member, x)
            p = np.exp(z - z.max())
            total += p / p.sum()
        return total / len(self.members)

    def rerank(self, text: str, hits: list[SearchHit], *, reference_price: float | None = None) -> list[SearchHit]:
        if not hits:
            return hits
        s = self.scores(QueryProfile(text, reference_price), hits)
        order = np.argsort(-s, kind="stable")
        return [hits[i].model_copy(update={"score": round(float(s[i]), 6)}) for i in order]


@cache
def default_ranker() -> LearnedRanker | None:
    try:
        return LearnedRanker.load()
    except FileNotFoundError:
        return None
