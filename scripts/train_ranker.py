"""Train the learned re-ranker (src/tradewinds/search/ranker.json) on the entity-matching *train* split.

    python scripts/train_ranker.py --data-dir ../shared/data/entity-matching [--split train]

For every train query the hybrid retriever returns up to 50 candidates; their pairwise
features (tradewinds.search.rerank.FEATURES) are scored by small models (linear, or one
tanh hidden layer) fitted with a listwise softmax loss (the positive should come first)
and L2 regularisation. Which model ships (linear, a 16- or 32-unit network, or an
ensemble of the linear model and five 16-unit networks whose probabilities are averaged)
is chosen by 3-fold cross-validation over queries *within the train split*. The valid
split is never read.
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
POOL = 50


def collect(data_dir: Path, split: str, cache: VectorCache):
    """Padded tensors: X (queries, POOL, features), Y (relevance), M (real candidate mask)."""
    xs, ys = [], []
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
                hits = backend.search(SearchRequest(text=text, limit=POOL)).hits
                y = np.array([h.offer_id.split(":", 1)[1] in rel for h in hits], float)
                if y.sum():  # retrieval missed it otherwise: nothing to learn about ordering
                    xs.append(features(QueryProfile(text, ev.price_of(rec)), hits))
                    ys.append(y)
    G, F = len(xs), len(FEATURES)
    X, Y, M = np.zeros((G, POOL, F)), np.zeros((G, POOL)), np.zeros((G, POOL), bool)
    for g, (x, y) in enumerate(zip(xs, ys)):
        X[g, : len(x)], Y[g, : len(y)], M[g, : len(y)] = x, y, True
    return X, Y, M


def forward(params, X):
    if "w1" in params:
        h = np.tanh(X @ params["w1"] + params["b1"])
        return h @ params["w2"], h
    return X @ params["coef"], None


def fit(X, Y, M, hidden: int, l2: float = 1e-3, iters: int = 600, lr: float = 0.01, seed: int = 0):
    rng = np.random.default_rng(seed)
    F = X.shape[-1]
    params = ({"w1": rng.normal(0, 0.3, (F, hidden)), "b1": np.zeros(hidden), "w2": rng.normal(0, 0.3, hidden)}
              if hidden else {"coef": np.zeros(F)})
    state = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    Yn = Y / Y.sum(1, keepdims=True)
    G = X.shape[0]
    for t in range(1, iters + 1):
        s, h = forward(params, X)
        s = np.where(M, s, -1e9)
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        ds = (p - Yn) / G  # d loss / d score, (G, POOL)
        if hidden:
            grads = {"w2": np.einsum("gp,gph->h", ds, h)}
            dh = ds[..., None] * params["w2"] * (1 - h**2)
            grads["w1"] = np.einsum("gpf,gph->fh", X, dh)
            grads["b1"] = dh.sum((0, 1))
        else:
            grads = {"coef": np.einsum("gp,gpf->f", ds, X)}
        for k in params:
            g = grads[k] + l2 * params[k]
            m, v = state[k]
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
            state[k] = (m, v)
            params[k] = params[k] - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return params


def probabilities(members, X, M) -> np.ndarray:
    """The members' softmax over each pool, averaged (what LearnedRanker.scores computes)."""
    total = 0.0
    for params in members:
        s = np.where(M, forward(params, X)[0], -1e9)
        p = np.exp(s - s.max(1, keepdims=True))
        total = total + p / p.sum(1, keepdims=True)
    return total / len(members)


def top1(members, X, Y, M) -> float:
    return float(Y[np.arange(len(Y)), probabilities(members, X, M).argmax(1)].mean())


# model name -> members as (hidden units, seed)
CANDIDATES = {
    "linear": [(0, 0)],
    "mlp16": [(16, 0)],
    "mlp32": [(32, 0)],
    "ensemble": [(0, 0), *((16, seed) for seed in range(5))],
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-dir", type=Path, default=Path("../shared/data/entity-matching"))
    p.add_argument("--split", default="train")
    p.add_argument("--cache", type=Path, default=Path("data/cache/vectors.sqlite"))
    args = p.parse_args()
    if args.split != "train":
        raise SystemExit("the ranker is trained on the train split only")
    X, Y, M = collect(args.data_dir, args.split, VectorCache(args.cache))
    flat = X[M]
    mean, std = flat.mean(0), flat.std(0) + 1e-6
    X = np.where(M[..., None], (X - mean) / std, 0.0)
    folds = np.random.default_rng(0).integers(0, 3, len(X))
    specs = sorted({spec for members in CANDIDATES.values() for spec in members})
    fitted = {(k, spec): fit(X[folds != k], Y[folds != k], M[folds != k], spec[0], seed=spec[1]) for k in range(3) for spec in specs}
    cv = {}
    for name, members in CANDIDATES.items():
        cv[name] = float(np.mean([top1([fitted[k, spec] for spec in members], X[folds == k], Y[folds == k], M[folds == k])
                                  for k in range(3)]))
        print(f"{name:9} cross-validated top-1 on train = {cv[name]:.3f}", flush=True)
    best = max(cv, key=cv.get)
    members = [fit(X, Y, M, hidden, seed=seed) for hidden, seed in CANDIDATES[best]]
    print(f"chosen {best}; train top-1 {top1(members, X, Y, M):.3f} over {len(X)} queries")
    OUT.write_text(json.dumps({
        "features": list(FEATURES), "mean": mean.round(6).tolist(), "std": std.round(6).tolist(),
        "members": [{k: np.round(v, 6).tolist() for k, v in params.items()} for params in members],
        "meta": {"trained_on": f"entity-matching {', '.join(SETS)} split={args.split}", "loss": "listwise softmax",
                 "model": best, "members": CANDIDATES[best], "cv_top1": round(cv[best], 4), "queries": int(len(X))},
    }))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
