"""Same-product matching evaluation on entity-matching benchmark folders.

A folder holds ``tableA.csv``, ``tableB.csv`` (``id`` plus title/name and other columns)
and ``pairs_<split>.csv`` (``ltable_id,rtable_id,label``). Query = a tableA record,
corpus = tableB, relevant = its positive pairs in the split.

Metrics per query with relevant set R and ranked list L:
recall@k = |R ∩ L[:k]| / min(|R|, k) (so recall@1 is "the top hit is a match"),
MRR@10 = 1 / rank of the first relevant hit within the top 10 (0 if none).

Filtered setting (as in link-prediction benchmarks): the sets split one query's matches
across splits, so a query evaluated on ``valid`` may also have positives in ``train``.
Those are known matches, not errors; with ``known`` given they are removed from L before
scoring. Nothing else changes: R is still the query's positives in the evaluated split.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .schemas import SearchDocument

TITLE_COLUMNS = ("title", "name")


@dataclass
class MatchingSet:
    name: str
    table_a: dict[str, dict[str, str]]
    table_b: dict[str, dict[str, str]]
    folder: Path

    def splits(self) -> list[str]:
        return sorted(p.stem[len("pairs_"):] for p in self.folder.glob("pairs_*.csv"))

    def positives(self, split: str) -> dict[str, set[str]]:
        path = self.folder / f"pairs_{split}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found; splits here: {self.splits()}")
        pos: dict[str, set[str]] = defaultdict(set)
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["label"].strip() == "1":
                    pos[row["ltable_id"]].add(row["rtable_id"])
        return dict(pos)

    def known_elsewhere(self, split: str) -> dict[str, set[str]]:
        """Each query's positives in the *other* splits (for the filtered setting)."""
        known: dict[str, set[str]] = defaultdict(set)
        for other in self.splits():
            if other != split:
                for qid, rel in self.positives(other).items():
                    known[qid] |= rel
        return dict(known)


def _table(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def load(folder: Path) -> MatchingSet:
    return MatchingSet(folder.name, _table(folder / "tableA.csv"), _table(folder / "tableB.csv"), folder)


def title_of(record: dict[str, str]) -> str:
    return next((record[c] for c in TITLE_COLUMNS if record.get(c)), "")


def price_of(record: dict[str, str]) -> float | None:
    try:
        p = float(record.get("price") or "nan")
    except ValueError:
        return None
    return p if p > 0 else None


def query_text(record: dict[str, str]) -> str:
    """The record as a buyer would paste it: title, then brand/maker and model number if not already there."""
    title = title_of(record)
    extra = [record.get(c, "") for c in ("brand", "manufacturer", "modelno")]
    return " ".join([title, *[e for e in extra if e and e.lower() not in title.lower()]])


def document(set_name: str, record: dict[str, str]) -> SearchDocument:
    price = price_of(record)
    brand = record.get("brand") or record.get("manufacturer") or None
    text = " ".join(record.get(c, "") for c in ("description", "category") if record.get(c))
    return SearchDocument(
        offer_id=f"{set_name}:{record['id']}", product_id=f"{set_name}:{record['id']}", supplier_id=set_name,
        title=title_of(record) or "(untitled)", text=text[:2000], brand=brand, model_number=record.get("modelno") or None,
        category=record.get("category") or None, price_tiers=[(1, price)] if price else [],
    )


def metrics(ranked: list[list[str]], relevant: list[set[str]], known: list[set[str]] | None = None) -> dict[str, float]:
    """Mean recall@1, recall@10 and MRR@10; ``known`` (per query) switches on the filtered setting."""
    if known is not None:
        ranked = [[h for h in hits if h in rel or h not in kn] for hits, rel, kn in zip(ranked, relevant, known)]
    r1 = r10 = mrr = 0.0
    for hits, rel in zip(ranked, relevant):
        r1 += len(rel & set(hits[:1])) / min(len(rel), 1)
        r10 += len(rel & set(hits[:10])) / min(len(rel), 10)
        mrr += next((1.0 / (i + 1) for i, h in enumerate(hits[:10]) if h in rel), 0.0)
    n = max(len(ranked), 1)
    return {"recall@1": r1 / n, "recall@10": r10 / n, "mrr@10": mrr / n, "queries": len(ranked)}
