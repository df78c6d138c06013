"""Train the learned re-ranker (src/tradewinds/search/ranker.json) on the entity-matching *train* split.

    python scripts/train_ranker.py --data-dir ../shared/data/entity-matching [--split train]

For every train query the hybrid retriever returns up to 50 candidates; their pairwise
features (tradewinds.search.rerank.FEATURES) are scored by a linear model fitted with a
listwise softmax loss (the positive should come first) and L2 regularisation chosen by
3-fold cross-validation over queries *within the train split*. The valid split is never read.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from tradewinds.models.embeddings import VectorCache, get_embedder
from tradewinds.search import evaluation as ev
from tradewinds.search.embedded import EmbeddedBackend
from tradewinds.search.rerank import FEATURES, QueryProfile, features
from tradewinds.search.schemas import SearchRequest

OUT = Path(__file__).resolve().parents[1] / "src/tradewinds/search/ranker.json"
SETS = ("Abt-Buy", "Amazon-Google", "Walmart-Amazon")


def collect(data_dir: Path, split: str, cache: VectorCache, pool: int = 50):
    groups = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in SETS:
            ds = ev.load(data_dir / name)
            backend = EmbeddedBackend(Path(tmp) / name, embedder=get_embedder("local:multilingual-e5-small"), vector_cache=cache)
            backend.index(ev.document(name, r) for r in ds.table_b.values())
            for qid, rel in sorted(ds.positives(split).items()):
                rec = ds.table_a.get(qid)
                if rec is None:
                    continue
                text = ev.query_text(rec)[:2000]
                hits = backend.search(SearchRequest(text=text, limit=pool)).hits
                y = np.array([h.offer_id.split(":", 1)[1] in rel for h in hits], float)
                if y.sum() == 0:
                    continue  # retrieval missed it: nothing to learn about ordering
                groups.append((name, features(QueryProfile(text, ev.price_of(rec)), hits), y))
    return groups


def fit(groups, l2: float, iters: int = 1500, lr: float = 0.05):
    X = np.concatenate([g[1] for g in groups])
    mean, std = X.mean(0), X.std(0) + 1e-6
    Xs = [(g[1] - mean) / std for g in groups]
    ys = [g[2] / g[2].sum() for g in groups]
    w = np.zeros(X.shape[1])
    m = v = np.zeros_like(w)
    for t in range(1, iters + 1):
        grad = l2 * w
        for x, y in zip(Xs, ys):
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            grad = grad + x.T @ (p - y) / len(Xs)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w = w - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return mean, std, w


def top1(groups, mean, std, w) -> float:
    return float(np.mean([g[2][np.argmax(((g[1] - mean) / std) @ w)] for g in groups]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", type=Path, default=Path("../shared/data/entity-matching"))
    p.add_argument("--split", default="train")
    p.add_argument("--cache", type=Path, default=Path("data/cache/vectors.sqlite"))
    args = p.parse_args()
    if args.split != "train":
        raise SystemExit("the ranker is trained on the train split only")
    groups = collect(args.data_dir, args.split, VectorCache(args.cache))
    rng = np.random.default_rng(0)
    folds = rng.integers(0, 3, len(groups))
    best = None
    for l2 in (0.0, 0.01):
        acc = np.mean([top1([g for g, f in zip(groups, folds) if f == k],
                            *fit([g for g, f in zip(groups, folds) if f != k], l2, iters=300)) for k in range(3)])
        print(f"l2={l2}: cross-validated top-1 on train = {acc:.3f}")
        if best is None or acc > best[0]:
            best = (acc, l2)
    mean, std, w = fit(groups, best[1])
    print(f"chosen l2={best[1]}; train top-1 {top1(groups, mean, std, w):.3f} over {len(groups)} queries")
    OUT.write_text(json.dumps({
        "features": list(FEATURES), "mean": mean.round(6).tolist(), "std": std.round(6).tolist(),
        "coef": w.round(6).tolist(), "bias": 0.0,
        "meta": {"trained_on": f"entity-matching {', '.join(SETS)} split={args.split}", "loss": "listwise softmax",
                 "l2": best[1], "cv_top1": round(float(best[0]), 4), "queries": len(groups)},
    }, indent=1))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
