"""Batch indexing on Ray: the catalog cut into product ranges, embedded in parallel, written with checkpoints.

    tradewinds catalog index --engine ray [--address ray://head:10001] [--workers N] [--chunk-size N]

* The driver cuts the products that have offers (in id order) into ranges of ``chunk_size`` products.
  A product's offers share its vector, so all of them fall in one range and its text is embedded once
  (ranges of offer ids embedded ~2.4x as many texts: a product's offers are scattered over the ids).
* Ray Data runs a pool of ``workers`` actors (one CPU each). An actor reads the offers of its range from
  the system of record (``TRADEWINDS_DATABASE_URL``: PostgreSQL on a cluster; a local SQLite file on one
  machine), builds the search documents and embeds each product. Embedding is the expensive step
  (~100-160 products per core-second for multilingual-e5-small), so that is what runs in parallel.
* The driver stores the vectors in the vector cache, writes the documents to the search backend (which
  then finds every vector in the cache) and appends the range to the checkpoint file, fsynced.

Killed at any point (``kill -9`` included) and started again, the job skips the ranges in the checkpoint
and redoes at most the ranges that were in flight. Writes are upserts by offer id, so a range written
twice still leaves exactly one copy of each offer. A finished job deletes its checkpoint.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..catalog.repository import CatalogRepository
from ..catalog.service import catalog_documents
from ..errors import ConfigError
from ..models.embeddings import VectorCache
from ..search.backend import SearchBackend
from ..search.schemas import SearchDocument
from ..settings import Settings

DEFAULT_CHUNK = 5_000  # products per work unit and checkpoint


@dataclass(frozen=True)
class Chunk:
    first: str  # product ids, inclusive
    last: str
    count: int  # offers

    @property
    def key(self) -> str:
        return f"{self.first} {self.last} {self.count}"


class Checkpoint:
    """Append-only list of finished chunk keys; each line is fsynced before the next chunk is written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def done(self) -> set[str]:
        if not self.path.exists():
            return set()
        lines = self.path.read_text().split("\n")
        return {line for line in lines[:-1] if line}  # the last piece is '' unless a write was cut short

    def mark(self, key: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as fh:
            fh.write(key + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def checkpoint_for(settings: Settings) -> Checkpoint:
    """One checkpoint per (catalog, search backend, embedding model): another target never resumes this one."""
    target = "\x1f".join((settings.resolved_database_url, settings.resolved_search_url, settings.embedding_model))
    return Checkpoint(settings.data_dir / "jobs" / f"index-{hashlib.sha256(target.encode()).hexdigest()[:12]}.done")


@dataclass
class IndexJobReport:
    chunks: int
    skipped: int
    offers_written: int


class EmbedRange:
    """Ray Data actor: reads the offers of product ranges from the database and embeds the products."""

    def __init__(self, settings: Settings) -> None:
        from ..catalog.db import open_database
        from ..models.embeddings import get_embedder

        self.repo = CatalogRepository(open_database(settings.resolved_database_url))
        self.embedder = get_embedder(settings.embedding_model, settings.model_copy(update={"embedding_workers": 1}))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        payloads = []
        for first, last in zip(batch["first"], batch["last"]):
            docs = list(catalog_documents(self.repo, product_range=(str(first), str(last))))
            texts = list(dict.fromkeys(d.embedding_text() for d in docs))
            vectors = self.embedder.embed(texts, kind="passage") if texts else np.zeros((0, self.embedder.dim), np.float32)
            payloads.append(pickle.dumps(([d.model_dump() for d in docs], self.embedder.model_id, texts, vectors)))
        return {"key": batch["key"], "payload": np.array(payloads, dtype=object)}


def start_ray(address: str | None, workers: int) -> bool:
    """Start Ray on this machine, or connect to ``address``; False if it was already up.

    Call it before opening a Milvus client or starting threads: Ray spawns its daemons with a
    ``preexec_fn`` fork, which can hang in a process whose other threads hold locks (seen here as
    a raylet that never started while a milvus-lite gRPC channel was open)."""
    import ray

    if ray.is_initialized():
        return False
    # Ray's C++ core logs notices about its own actors to our stderr; failures still raise in Python.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
             log_to_driver=False, logging_level="ERROR")
    return True


def run_ray_index(settings: Settings, repo: CatalogRepository, backend: SearchBackend, *, address: str | None = None,
                  workers: int = 2, chunk_size: int = DEFAULT_CHUNK, progress: Callable[[int], None] | None = None,
                  log: Callable[[str], None] = print) -> IndexJobReport:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ConfigError("--engine ray needs Ray", hint='pip install "tradewinds[ray]"') from e
    if settings.resolved_database_url.startswith("sqlite") and address:
        log("note: workers on other machines cannot read a local SQLite file; use PostgreSQL (TRADEWINDS_DATABASE_URL)")
    checkpoint = checkpoint_for(settings)
    chunks = [Chunk(*r) for r in repo.product_ranges(chunk_size)]
    done = checkpoint.done()
    pending = [c for c in chunks if c.key not in done]
    skipped = len(chunks) - len(pending)
    if skipped:
        log(f"resuming: {skipped} of {len(chunks)} chunks already indexed")
        if progress:
            progress(sum(c.count for c in chunks if c.key in done))
    written = 0
    if pending:
        written = _run_pending(ray, settings, backend, pending, checkpoint, address=address, workers=workers, progress=progress)
    checkpoint.clear()
    return IndexJobReport(chunks=len(chunks), skipped=skipped, offers_written=written)


def _run_pending(ray, settings: Settings, backend: SearchBackend, pending: list[Chunk], checkpoint: Checkpoint, *,
                 address: str | None, workers: int, progress: Callable[[int], None] | None) -> int:
    started_here = start_ray(address, workers)
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the CLI draws its own bar
    cache = VectorCache(settings.vector_cache_path)
    items = [{"first": c.first, "last": c.last, "key": c.key} for c in pending]
    ds = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        EmbedRange, fn_constructor_kwargs={"settings": settings}, batch_size=1, num_cpus=1,
        compute=ray.data.ActorPoolStrategy(size=workers))
    written = 0
    try:
        for batch in ds.iter_batches(batch_size=1, batch_format="numpy"):
            docs, model_id, texts, vectors = pickle.loads(batch["payload"][0])
            cache.put(model_id, "passage", texts, vectors)
            written += backend.index([SearchDocument.model_validate(d) for d in docs])
            checkpoint.mark(str(batch["key"][0]))
            if progress:
                progress(len(docs))
    finally:
        if started_here:
            ray.shutdown()
    return written
