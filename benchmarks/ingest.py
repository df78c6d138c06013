"""Embedding + ingest throughput (1 worker vs Ray), and Milvus vs the embedded backend at catalog size.

    python benchmarks/ingest.py --products 200000 [--embed-products 3000] [--queries 200]

1. Embedding + ingest, end to end from the catalog database (SQLite) into the embedded backend, with a cold
   vector cache, on the first --embed-products products: `tradewinds catalog index` in this process with one
   embedding worker, then `--engine ray` with --workers (default 2), Ray's start-up included. Ratio = Ray / local.
   (multilingual-e5-small runs ~100-160 products per core-second, so embedding all 200k products would take
   ~30 min per configuration here; the per-core rate is what docs/scaling.md extrapolates from.)
2. Ingest of --products products (documents generated as in search_speed.py) into the embedded backend and
   into Milvus (milvus-lite, the real engine), both given the same precomputed vectors so the rows/s compare
   the engines, not the embedder. Passage vectors are seeded pseudo-random unit vectors (ingest and k-NN cost do
   not depend on their values; relevance is measured by matching.py); queries are embedded by the real model.
3. Query p50/p95 top-10 on both at that size: lexical, hybrid, hybrid + 4 filters (ratio milvus / embedded).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from search_speed import dir_size, documents, queries, timed  # noqa: E402

from tradewinds.catalog.db import open_database  # noqa: E402
from tradewinds.catalog.repository import CatalogRepository  # noqa: E402
from tradewinds.catalog.service import build_demo, index_catalog  # noqa: E402
from tradewinds.jobs.index import run_ray_index  # noqa: E402
from tradewinds.models.embeddings import Embedder, LocalE5Embedder, VectorCache  # noqa: E402
from tradewinds.search.embedded import EmbeddedBackend  # noqa: E402
from tradewinds.search.milvus import MilvusBackend  # noqa: E402
from tradewinds.search.schemas import SearchFilters, SearchRequest  # noqa: E402
from tradewinds.settings import Settings  # noqa: E402


class SeededPassages(Embedder):
    """Passages -> a unit vector seeded by the text (no model); queries -> the real model."""

    model_id, dim = "bench:seeded", 384

    def __init__(self, real: Embedder) -> None:
        self.real = real

    def embed(self, texts, *, kind):
        if kind == "query":
            return self.real.embed(texts, kind=kind)
        out = np.empty((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def embed_and_ingest(tmp: Path, products: int, workers: int) -> list[tuple[str, int, int, float]]:
    data = tmp / "catalog"
    settings = Settings(data_dir=data, embedding_workers=1)
    repo = CatalogRepository(open_database(settings.resolved_database_url))
    build_demo(repo, products=products, seed=11)  # a seed no earlier run cached vectors for
    offers = repo.counts()["offers"]
    rows = []
    t = time.perf_counter()
    local = EmbeddedBackend(tmp / "local", embedder=LocalE5Embedder(workers=1), vector_cache=VectorCache(tmp / "v-local.sqlite"))
    index_catalog(repo, local)
    rows.append(("local, 1 worker", products, offers, time.perf_counter() - t))
    # the same catalog database, its own (cold) vector cache
    ray_settings = settings.model_copy(update={"data_dir": tmp / "ray-data", "database_url": settings.resolved_database_url})
    backend = EmbeddedBackend(tmp / "ray", embedder=LocalE5Embedder(workers=1), vector_cache=VectorCache(ray_settings.vector_cache_path))
    t = time.perf_counter()
    run_ray_index(ray_settings, repo, backend, workers=workers, chunk_size=max(50, products // (workers * 6)), log=lambda _: None)
    rows.append((f"ray, {workers} workers", products, offers, time.perf_counter() - t))
    assert backend.count() == local.count() == offers, (backend.count(), local.count(), offers)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, default=200_000)
    ap.add_argument("--embed-products", type=int, default=3_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--milvus-url", default=None, help="a Milvus server to measure instead of milvus-lite, e.g. "
                    "milvus://milvus:19530?collection=bench (the collection is dropped at the end)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tw-ingest-"))
    try:
        print(f"machine: {os.cpu_count()} cores", flush=True)
        emb = embed_and_ingest(tmp, args.embed_products, args.workers)
        print(f"\n1. embedding + ingest (cold cache, SQLite -> embedded backend)\n{'engine':18} {'products':>9} {'offers':>8} {'wall s':>8} {'products/s':>11} {'vs local':>9}")
        for name, p, o, s in emb:
            print(f"{name:18} {p:9,} {o:8,} {s:8.1f} {p / s:11.1f} {emb[0][3] / s:8.2f}x")

        t = time.perf_counter()
        docs = list(documents(args.products))
        gen_s = time.perf_counter() - t
        real = LocalE5Embedder()
        embedder = SeededPassages(real)
        vectors = VectorCache(tmp / "v-seeded.sqlite")
        texts = list(dict.fromkeys(d.embedding_text() for d in docs))
        t = time.perf_counter()
        vectors.put(embedder.model_id, "passage", texts, embedder.embed(texts, kind="passage"))
        print(f"\n{args.products:,} products -> {len(docs):,} offers generated in {gen_s:.1f} s; seeded vectors stored in "
              f"{time.perf_counter() - t:.1f} s", flush=True)
        backends = {
            "embedded": EmbeddedBackend(tmp / "embedded", embedder=embedder, vector_cache=vectors),
            "milvus": MilvusBackend(args.milvus_url or f"milvus:{tmp / 'milvus.db'}", embedder=embedder, vector_cache=vectors),
        }
        ingest = {}
        for name, backend in backends.items():
            t = time.perf_counter()
            backend.index(docs)
            assert backend.count() == len(docs)
            ingest[name] = time.perf_counter() - t
            print(f"ingested into {name} in {ingest[name]:.1f} s", flush=True)
        del docs
        print(f"\n2. ingest with precomputed vectors ({args.products:,} products)\n{'backend':12} {'offers':>9} {'wall s':>8} {'offers/s':>9} "
              f"{'vs embedded':>12} {'on disk MiB':>12}")
        lite = tmp / "milvus.db"
        sizes = {"embedded": dir_size(tmp / "embedded"), "milvus": 0 if args.milvus_url else dir_size(lite) if lite.is_dir() else lite.stat().st_size}
        n = backends["embedded"].count()
        for name, s in ingest.items():
            print(f"{name:12} {n:9,} {s:8.1f} {n / s:9,.0f} {ingest['embedded'] / s:11.2f}x {sizes[name] / 2**20:12,.0f}")

        qs = queries(args.queries)
        real.query("warm up")
        print(f"\n3. query latency, top-10, {args.queries} queries, {n:,} offers\n{'query':22} {'backend':12} {'p50 ms':>8} {'p95 ms':>8} {'p95 vs embedded':>16}")
        for label, mode, filt in (("lexical", "lexical", False), ("hybrid", "hybrid", False), ("hybrid + 4 filters", "hybrid", True)):
            base = None
            for name, backend in backends.items():
                p50, p95 = timed(lambda q, b=backend, m=mode, f=filt: b.search(
                    SearchRequest(text=q[0], mode=m, filters=q[1] if f else SearchFilters())), qs)
                base = base or p95
                print(f"{label:22} {name:12} {p50:8.2f} {p95:8.2f} {p95 / base:15.2f}x", flush=True)
        backends["embedded"].close()
        backends["milvus"].clear()  # drop the benchmark's rows
        backends["milvus"].close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
