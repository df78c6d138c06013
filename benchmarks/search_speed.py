"""Search speed at catalog scale, against SQLite FTS5 on the same data in the same run.

    python benchmarks/search_speed.py --products 1000000 [--vector-products 100000] [--queries 300]

1. Generates the demo catalog (seeded) without a database and indexes every offer
   lexically (tantivy + column store): build time, size, lexical top-10 p50/p95,
   lexical with four filters, and SQLite FTS5 (bm25, OR query) on the same documents.
2. Builds a second index over the first --vector-products products with real
   multilingual-e5-small vectors (cached in data/cache/vectors.sqlite, so only the first
   run pays for embedding) and measures dense, hybrid and hybrid-with-filters top-10.
Prints a table with ratios against FTS5; RSS is the process peak.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


from tradewinds.catalog.demo.generator import generate
from tradewinds.catalog.demo.vocabulary import CATEGORIES
from tradewinds.catalog.service import _attributes_text
from tradewinds.models.embeddings import VectorCache, get_embedder
from tradewinds.search import text as tx
from tradewinds.search.embedded import EmbeddedBackend
from tradewinds.search.schemas import SearchDocument, SearchFilters, SearchRequest


def documents(products: int):
    suppliers: dict[str, dict] = {}
    for batch in generate(products):
        for s in batch.suppliers:
            suppliers[s["id"]] = s
        prods = {p["id"]: p for p in batch.products}
        for o in batch.offers:
            p, s = prods[o["product_id"]], suppliers[o["supplier_id"]]
            yield SearchDocument(
                offer_id=o["id"], product_id=p["id"], supplier_id=s["id"], title=p["title"],
                text=f"{p['description']} {_attributes_text(p['attributes'])}", model_number=p["model_number"],
                category=p["category"], hs_code=p["hs_code"], language=p["language"], currency=o["currency"],
                price_tiers=[(t["min_qty"], t["unit_price"]) for t in o["price_tiers"]], moq=o["moq"],
                lead_time_days=o["lead_time_days"], incoterm=o["incoterm"], supplier_country=s["country"],
                supplier_name=s["name"], certifications=sorted(set(o["certifications"]) | set(s["certifications"])),
                verified=s["verified"])


def queries(n: int, seed: int = 1) -> list[tuple[str, SearchFilters]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        cat = rng.choice(CATEGORIES)
        words = rng.choice(cat.nouns)
        if cat.modifiers and rng.random() < 0.5:
            words = f"{rng.choice(cat.modifiers)} {words}"
        if rng.random() < 0.1:
            words = rng.choice(cat.zh)
        f = SearchFilters(quantity=rng.choice(cat.moq) * rng.choice((1, 2, 5)), max_unit_price=round(cat.price[1] * rng.uniform(0.3, 0.9), 2),
                          countries=rng.sample(("CN", "VN", "IN", "TR", "TW", "MY"), 3), max_lead_time_days=rng.choice((30, 45, 60)))
        out.append((words, f))
    return out


def timed(fn, items) -> tuple[float, float]:
    lat = []
    for it in items:
        t = time.perf_counter()
        fn(it)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.95) - 1]


def fts5(path: Path):
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE d USING fts5(offer_id UNINDEXED, title, body)")

    def run(q: str):
        terms = " OR ".join(f'"{w}"' for w in tx.words(q) + tx.cjk_bigrams(q)) or '"x"'
        return db.execute("SELECT offer_id FROM d WHERE d MATCH ? ORDER BY bm25(d, 0, 2.0, 0.6) LIMIT 10", (terms,)).fetchall()
    return db, run


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, default=1_000_000)
    ap.add_argument("--vector-products", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--cache", type=Path, default=Path("data/cache/vectors.sqlite"))
    ap.add_argument("--skip-fts5", action="store_true")
    args = ap.parse_args()
    qs = queries(args.queries)
    rows: list[tuple[str, str, float, float]] = []
    tmp = Path(tempfile.mkdtemp(prefix="tw-speed-"))
    try:
        # One streaming pass feeds both engines; each sink's time is measured on its own.
        timers = {"generate": 0.0, "fts5": 0.0}
        fts_db, fts_run = fts5(tmp / "fts.db") if not args.skip_fts5 else (None, None)
        n_docs = 0

        def stream():
            nonlocal n_docs
            it = documents(args.products)
            while True:
                t = time.perf_counter()
                chunk = [d for _, d in zip(range(10_000), it)]
                timers["generate"] += time.perf_counter() - t
                if not chunk:
                    return
                n_docs += len(chunk)
                if fts_db is not None:
                    t = time.perf_counter()
                    fts_db.executemany("INSERT INTO d VALUES (?, ?, ?)", ((d.offer_id, d.title, d.text) for d in chunk))
                    timers["fts5"] += time.perf_counter() - t
                yield from chunk

        lex = EmbeddedBackend(tmp / "lex", embedder=None)
        t = time.perf_counter()
        lex.index(stream())
        if fts_db is not None:
            t_commit = time.perf_counter()
            fts_db.commit()
            timers["fts5"] += time.perf_counter() - t_commit
        build_s = time.perf_counter() - t - timers["generate"] - timers["fts5"]
        size = dir_size(tmp / "lex")
        print(f"{args.products:,} products -> {n_docs:,} offers generated in {timers['generate']:.1f} s; "
              f"lexical index + columns built in {build_s:.1f} s ({n_docs / build_s:,.0f} offers/s), {size / 2**20:,.0f} MiB", flush=True)
        lexical = timed(lambda q: lex.search(SearchRequest(text=q[0], mode="lexical", rerank=False)), qs)
        lexical_f = timed(lambda q: lex.search(SearchRequest(text=q[0], mode="lexical", filters=q[1], rerank=False)), qs)
        rows += [("tradewinds lexical", f"{n_docs:,} offers", *lexical), ("tradewinds lexical + 4 filters", f"{n_docs:,} offers", *lexical_f)]
        if fts_db is not None:
            fts = timed(lambda q: fts_run(q[0]), qs)
            rows.append(("sqlite fts5 bm25 (baseline)", f"{n_docs:,} offers", *fts))
            print(f"FTS5 built in {timers['fts5']:.1f} s, {(tmp / 'fts.db').stat().st_size / 2**20:,.0f} MiB", flush=True)
        lex = None  # free the large index before the vector phase

        nvec = min(args.vector_products, args.products)
        vdocs: list[SearchDocument] = []
        pids: dict[str, None] = {}
        for d in documents(nvec):
            pids.setdefault(d.product_id, None)
            vdocs.append(d)
        embedder = get_embedder("local:multilingual-e5-small")
        hyb = EmbeddedBackend(tmp / "hyb", embedder=embedder, vector_cache=VectorCache(args.cache))
        t = time.perf_counter()
        hyb.index(vdocs)
        emb_s = time.perf_counter() - t
        probe = [d.embedding_text() + " probe" for d in vdocs[:512]]
        t = time.perf_counter()
        embedder.embed(probe, kind="passage")
        tput = len(probe) / (time.perf_counter() - t)
        print(f"{nvec:,} products ({len(vdocs):,} offers) indexed with vectors in {emb_s:.1f} s (cache hits make re-runs fast); "
              f"embedding throughput {tput:,.0f} texts/s on this machine", flush=True)
        for name, mode, filt in (("dense (exact k-NN)", "dense", False), ("hybrid", "hybrid", False), ("hybrid + 4 filters", "hybrid", True)):
            res = timed(lambda q, mode=mode, filt=filt: hyb.search(SearchRequest(text=q[0], mode=mode, filters=q[1] if filt else SearchFilters())), qs)
            rows.append((f"tradewinds {name}", f"{nvec:,} products", *res))
        qvec = timed(lambda q: embedder.query(q[0]), qs)
        rows.append(("  of which: query embedding", "-", *qvec))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = next((r for r in rows if r[0].startswith("sqlite")), None)
    print(f"\n{'system':34} {'size':>18} {'p50 ms':>8} {'p95 ms':>8} {'p95 vs fts5':>12}")
    for name, size, p50, p95 in rows:
        ratio = f"{p95 / base[3]:.2f}x" if base else "-"
        print(f"{name:34} {size:>18} {p50:8.2f} {p95:8.2f} {ratio:>12}")
    print(f"peak RSS {rss:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
