"""Same-product matching: plain BM25 (title only) vs Tradewinds search, in one run.

    python benchmarks/matching.py --data-dir ../shared/data/entity-matching --split valid [--json] [--backend milvus]

For each set (a folder with tableA.csv, tableB.csv, pairs_<split>.csv): query = a tableA
record with positives in the split, corpus = tableB, relevant = its positive pairs.
Prints recall@1, recall@10 and MRR@10 for the baseline, for hybrid retrieval alone and
for the full Tradewinds pipeline (hybrid + learned re-ranker). ``--backend milvus`` adds the same
two systems on the Milvus backend (milvus-lite here), next to the embedded ones, and the R@1 gap.

The metrics are given in the filtered setting: a candidate that is a positive of the *same
query* in another split (e.g. train) is a known match, so it is taken out of the ranked list
instead of being counted as a miss (tradewinds.search.evaluation). "raw R@1" next to them
counts it as a miss. Every system, the baseline included, is scored the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import tantivy

from tradewinds.models.embeddings import VectorCache, get_embedder
from tradewinds.search import evaluation as ev
from tradewinds.search import text as tx
from tradewinds.search.backend import SearchBackend
from tradewinds.search.embedded import EmbeddedBackend
from tradewinds.search.schemas import SearchRequest
from tradewinds.search.service import ProductSearch

DEFAULT_SETS = ("Abt-Buy", "Amazon-Google", "Walmart-Amazon")


def bm25_baseline(ds: ev.MatchingSet, queries: list[str], depths: list[int]) -> list[list[str]]:
    """tantivy BM25, default tokenizer and parameters (k1=1.2, b=0.75), title field only."""
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("title")
    index = tantivy.Index(b.build())
    w = index.writer(num_threads=1)
    for rid, rec in ds.table_b.items():
        w.add_document(tantivy.Document(id=rid, title=ev.title_of(rec)))
    w.commit()
    index.reload()
    s = index.searcher()
    out = []
    for qid, depth in zip(queries, depths):
        terms = " ".join(tx.words(ev.title_of(ds.table_a[qid]))) or "x"
        hits = s.search(index.parse_query(terms, ["title"]), depth).hits
        out.append([s.doc(a)["id"][0] for _, a in hits])
    return out


def make_backend(kind: str, ds: ev.MatchingSet, cache: VectorCache, workdir: Path) -> SearchBackend:
    embedder = get_embedder("local:multilingual-e5-small")
    if kind == "milvus":
        from tradewinds.search.milvus import MilvusBackend

        return MilvusBackend(f"milvus:{workdir / 'milvus.db'}?collection={ds.name.replace('-', '_')}", embedder=embedder, vector_cache=cache)
    return EmbeddedBackend(workdir / ds.name, embedder=embedder, vector_cache=cache)


def tradewinds_runs(ds: ev.MatchingSet, queries: list[str], depths: list[int], backend: SearchBackend,
                    prefix: str = "") -> tuple[dict, dict]:
    backend.index(ev.document(ds.name, r) for r in ds.table_b.values())
    plain, full = ProductSearch(backend, use_default_ranker=False), ProductSearch(backend)
    systems = ((f"{prefix}hybrid", plain), (f"{prefix}tradewinds", full))
    runs: dict[str, list[list[str]]] = {name: [] for name, _ in systems}
    latency: dict[str, list[float]] = {name: [] for name, _ in systems}
    for qid, depth in zip(queries, depths):
        rec = ds.table_a[qid]
        req = SearchRequest(text=ev.query_text(rec)[:2000], limit=depth, reference_price=ev.price_of(rec))
        for name, engine in systems:
            t = time.perf_counter()
            hits = engine.search(req).hits
            latency[name].append((time.perf_counter() - t) * 1000)
            runs[name].append([h.offer_id.split(":", 1)[1] for h in hits])
    return runs, latency


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=Path("../shared/data/entity-matching"))
    p.add_argument("--split", default="valid")
    p.add_argument("--sets", nargs="*", default=None, help="set folder names (default: the three classic sets present)")
    p.add_argument("--cache", type=Path, default=Path("data/cache/vectors.sqlite"), help="vector cache (re-runs skip embedding)")
    p.add_argument("--backend", choices=("embedded", "milvus"), default="embedded",
                   help="milvus: also run on the Milvus backend (milvus-lite), next to the embedded one")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if not args.data_dir.is_dir():
        print(f"skipped: {args.data_dir} not found (entity-matching data lives in ../shared/data; pass --data-dir)", file=sys.stderr)
        return 0
    names = args.sets or [n for n in DEFAULT_SETS if (args.data_dir / n).is_dir()]
    cache = VectorCache(args.cache)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            ds = ev.load(args.data_dir / name)
            pos = ds.positives(args.split)
            queries = sorted(q for q in pos if q in ds.table_a)
            rel = [pos[q] for q in queries]
            elsewhere = ds.known_elsewhere(args.split)
            known = [elsewhere.get(q, set()) - pos[q] for q in queries]
            depths = [10 + len(k) for k in known]  # deep enough for 10 hits once known matches are taken out
            runs, latency = tradewinds_runs(ds, queries, depths, make_backend("embedded", ds, cache, Path(tmp)))
            if args.backend == "milvus":
                more, more_latency = tradewinds_runs(ds, queries, depths, make_backend("milvus", ds, cache, Path(tmp)), "milvus_")
                runs, latency = {**runs, **more}, {**latency, **more_latency}
            runs = {"bm25_title": bm25_baseline(ds, queries, depths), **runs}
            results[name] = {}
            for run, ranked in runs.items():
                results[name][run] = {**ev.metrics(ranked, rel, known), "raw": ev.metrics(ranked, rel)}
                if run in latency:
                    lat = sorted(latency[run])
                    results[name][run]["p50_ms"] = lat[len(lat) // 2]
    if args.json:
        print(json.dumps({"split": args.split, "results": results}, indent=2))
        return 0
    print(f"split={args.split}  recall@k = |rel ∩ top-k| / min(|rel|, k); filtered: the query's positives in other splits "
          "are taken out of the list (raw R@1 counts them as misses)")
    print(f"{'set':16} {'system':18} {'queries':>7} {'R@1':>6} {'R@10':>6} {'MRR@10':>7} {'raw R@1':>8} {'p50 ms':>7}")
    for name, runs in results.items():
        for run, m in runs.items():
            print(f"{name:16} {run:18} {m['queries']:>7} {m['recall@1']:6.3f} {m['recall@10']:6.3f} {m['mrr@10']:7.3f} "
                  f"{m['raw']['recall@1']:8.3f} {m.get('p50_ms', float('nan')):7.1f}")
        print(f"{'':16} {'ratio R@1':18} {'':>7} {runs['tradewinds']['recall@1'] / max(runs['bm25_title']['recall@1'], 1e-9):6.2f}x")
        if "milvus_tradewinds" in runs:
            gap = (runs["milvus_tradewinds"]["recall@1"] - runs["tradewinds"]["recall@1"]) * 100
            print(f"{'':16} {'milvus-embedded R@1':18} {gap:+6.1f} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
