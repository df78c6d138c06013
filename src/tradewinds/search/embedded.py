"""The embedded backend: tantivy (BM25 with field boosts) + exact numpy k-NN + columnar filters.

Why these engines (measured, see docs/architecture.md): tantivy answers BM25 top-10
in ~1-4 ms over ~1M short documents and builds fast; exact k-NN in numpy is 6-16 ms
over <= 200k filtered rows with recall 1.0, so filtered dense retrieval needs no ANN
and cannot miss a matching offer; a numpy column store decides the hard filters
exactly (price at quantity through the tier table).

Vectors can come after the keywords: ``index(..., vectors=False)`` makes offers searchable by BM25 and
filters at once and leaves their products' vector rows empty (all zeros: e5 vectors are unit length,
so an empty row is never a real one); ``fill_vectors`` embeds them later, in another process if need
be. Every write of ``vectors.npy`` merges with what is on disk under a file lock, so a filler and an
import never lose each other's rows, and a reader reloads the file when it changes.
"""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import tantivy

from ..models.embeddings import Embedder, VectorCache
from . import text as tx
from .backend import Progress, SearchBackend
from .columns import FILE as COLUMNS_FILE
from ..files import atomic_write
from .columns import OfferColumns
from .fusion import rrf
from .schemas import SearchDocument, SearchFilters, SearchHit, SearchRequest, SearchResponse

FIELD_BOOSTS = {"title": 2.0, "codes": 3.0, "brand": 1.5, "body": 0.6}
# A query term found in more than this share of bodies is matched in the short fields only:
# it adds almost nothing to BM25 (low IDF) but costs the most postings (p95 halved at 244k offers).
BODY_DF_CUTOFF = 0.05
NO_LEAD = 100_000
VECTORS_FILE = "vectors.npy"
RELOAD_EVERY_S = 1.0  # a reader looks for vectors another process wrote at most this often

try:
    import fcntl
except ImportError:  # Windows: one writer at a time is then the operator's job
    fcntl = None


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("row", fast=True, indexed=True)
    b.add_text_field("offer_id", tokenizer_name="raw")
    for name in FIELD_BOOSTS:
        b.add_text_field(name, tokenizer_name="default", index_option="freq")
    for name in ("country", "incoterm", "certs", "hs"):
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    b.add_unsigned_field("moq", fast=True, indexed=True)
    b.add_unsigned_field("lead", fast=True, indexed=True)
    b.add_float_field("min_price_usd", fast=True, indexed=True)
    b.add_boolean_field("verified", indexed=True)
    return b.build()


def _tokens(text: str) -> str:
    return " ".join([*tx.words(text), *tx.cjk_bigrams(text)])


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    def __init__(self, path: Path, *, embedder: Embedder | None, vector_cache: VectorCache | None = None,
                 fx_rates: dict[str, float] | None = None, batch_size: int = 64) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self.cache = vector_cache
        self.fx = fx_rates or {"USD": 1.0}
        self.batch_size = batch_size
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "lexical").mkdir(exist_ok=True)
        self.schema = _schema()
        self.index_ = tantivy.Index(self.schema, path=str(self.path / "lexical"))
        self.columns = OfferColumns.load(self.path) if (self.path / COLUMNS_FILE).exists() else OfferColumns()
        self.vectors = np.zeros((0, embedder.dim if embedder else 0), np.float32)
        self.ready = np.zeros(0, bool)  # product rows that have a vector
        self._signature: tuple[int, int] | None = None
        self._checked = 0.0
        self._load_vectors()
        self._product_offers: tuple[np.ndarray, np.ndarray] | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tw-embed")

    # -- vectors on disk ------------------------------------------------------------
    def _file_signature(self) -> tuple[int, int] | None:
        try:
            st = (self.path / VECTORS_FILE).stat()
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size

    def _load_vectors(self) -> None:
        signature = self._file_signature()
        if signature is not None and signature != self._signature:
            self.vectors = np.load(self.path / VECTORS_FILE)
            self.ready = np.any(self.vectors != 0, axis=1)
            self._product_offers = None
        self._signature = signature

    def _refresh(self) -> None:
        """Pick up vectors another process (a background filler) wrote since they were loaded."""
        now = time.monotonic()
        if now - self._checked >= RELOAD_EVERY_S:
            self._checked = now
            if self._file_signature() != self._signature:
                self._load_vectors()

    @contextmanager
    def _vector_lock(self):
        with open(self.path / ".vectors.lock", "a+b") as fh:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(fh, fcntl.LOCK_UN)

    def _save_vectors(self) -> None:
        """Write this process's vectors merged with the file's: rows it has win, rows only the file has are kept."""
        with self._vector_lock():
            if self._file_signature() not in (None, self._signature):
                disk = np.load(self.path / VECTORS_FILE)
                rows = max(disk.shape[0], self.vectors.shape[0])
                merged = np.zeros((rows, self.vectors.shape[1] or disk.shape[1]), np.float32)
                merged[: disk.shape[0]] = disk
                mine = np.flatnonzero(self.ready[: self.vectors.shape[0]])
                merged[mine] = self.vectors[mine]
                self.vectors = merged
                self.ready = np.any(merged != 0, axis=1)
                self._product_offers = None
            atomic_write(self.path / VECTORS_FILE, lambda fh: np.save(fh, self.vectors))
            self._signature = self._file_signature()

    def vector_coverage(self) -> float:
        self._refresh()
        products = len(self.columns.product_rows)
        if self.embedder is None or not products:
            return 1.0
        return float(self.ready[:products].sum()) / products

    # -- writing --------------------------------------------------------------
    def index(self, docs: Iterable[SearchDocument], *, progress: Progress | None = None, vectors: bool = True,
              chunk: int = 5_000) -> int:
        written = 0
        writer = self.index_.writer(heap_size=256_000_000, num_threads=1)
        batch: list[SearchDocument] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= chunk:
                written += self._write(writer, batch, progress, vectors)
                batch = []
        if batch:
            written += self._write(writer, batch, progress, vectors)
        # Columns first, then the lexical commit: killed in between, the columns know offers the lexical
        # index lacks, and indexing them again replaces nothing twice. The other order would leave lexical
        # documents no column row describes, and a re-index would add a second copy.
        self._save()
        writer.commit()
        writer.wait_merging_threads()
        self.index_.reload()
        return written

    def _write(self, writer, docs: list[SearchDocument], progress: Progress | None, vectors: bool) -> int:
        existing = {d.offer_id for d in docs if d.offer_id in self.columns.row_of}
        for offer_id in existing:
            writer.delete_documents_by_term("offer_id", offer_id)
        rows, new_products = self.columns.upsert(docs)
        for doc, row in zip(docs, rows):
            writer.add_document(self._lexical_doc(doc, int(row)))
        self._embed_products(docs, new_products if vectors else [])
        self._product_offers = None
        if progress:
            progress(len(docs))
        return len(docs)

    def _lexical_doc(self, d: SearchDocument, row: int) -> tantivy.Document:
        rate = self.fx.get(d.currency)
        min_price = min((p for _, p in d.price_tiers), default=0.0) * rate if rate else 0.0
        hs = d.hs_code or ""
        doc = tantivy.Document()
        doc.add_unsigned("row", row)
        doc.add_text("offer_id", d.offer_id)
        doc.add_text("title", _tokens(d.title))
        doc.add_text("codes", " ".join(tx.codes(f"{d.title} {d.model_number or ''}")))
        doc.add_text("brand", _tokens(d.brand or ""))
        doc.add_text("body", _tokens(f"{d.text} {d.category or ''} {d.model_number or ''}"))
        doc.add_text("country", d.supplier_country or "")
        doc.add_text("incoterm", d.incoterm or "")
        for cert in d.certifications:
            doc.add_text("certs", cert)
        for n in (2, 4, 6):
            if len(hs) >= n:
                doc.add_text("hs", hs[:n])
        doc.add_unsigned("moq", d.moq)
        doc.add_unsigned("lead", NO_LEAD if d.lead_time_days is None else d.lead_time_days)
        doc.add_float("min_price_usd", float(min_price))
        doc.add_boolean("verified", d.verified)
        return doc

    def _embed_products(self, docs: list[SearchDocument], new_products: list[int]) -> None:
        """Embed ``new_products``; the vector table grows to every product row (rows left empty await a filler)."""
        if self.embedder is None:
            return
        need = len(self.columns.product_rows)
        if need > self.vectors.shape[0]:
            grown = np.zeros((need, self.embedder.dim), np.float32)
            grown[: self.vectors.shape[0]] = self.vectors
            self.vectors = grown
            self.ready = np.concatenate([self.ready, np.zeros(need - self.ready.shape[0], bool)])
        if not new_products:
            return
        wanted = set(new_products)
        texts: dict[int, str] = {}
        for d in docs:
            prow = self.columns.product_rows[d.product_id]
            if prow in wanted and prow not in texts:
                texts[prow] = d.embedding_text()
        prows = list(texts)
        values = [texts[p] for p in prows]
        if self.cache is not None:
            vecs = self.cache.embed(self.embedder, values, kind="passage", batch_size=self.batch_size)
        else:
            vecs = self.embedder.embed(values, kind="passage")
        self.vectors[prows] = vecs
        self.ready[prows] = True

    def fill_vectors(self, docs: Iterable[SearchDocument], *, progress: Progress | None = None, chunk: int = 512) -> int:
        """Embed the products indexed without a vector, ``chunk`` at a time; each chunk is saved (and seen by
        readers) as soon as it is done, so stopping loses at most one chunk."""
        if self.embedder is None:
            return 0
        self._load_vectors()
        filled, batch, seen = 0, [], set()
        for doc in docs:
            prow = self.columns.product_rows.get(doc.product_id)
            if prow is None or prow in seen or (prow < self.ready.shape[0] and self.ready[prow]):
                continue
            seen.add(prow)
            batch.append(doc)
            if len(batch) >= chunk:
                filled += self._fill(batch, progress)
                batch = []
        if batch:
            filled += self._fill(batch, progress)
        return filled

    def _fill(self, docs: list[SearchDocument], progress: Progress | None) -> int:
        prows = [self.columns.product_rows[d.product_id] for d in docs]
        self._embed_products(docs, prows)
        self._save_vectors()
        if progress:
            progress(len(docs))
        return len(docs)

    def _save(self) -> None:
        # Vectors before columns: a newer vectors file only has rows the older columns do not use yet.
        self._save_vectors()
        self.columns.save(self.path)

    def delete(self, offer_ids: Iterable[str]) -> int:
        ids = list(offer_ids)
        n = self.columns.delete(ids)
        self._save()  # dead in the columns first: a lexical hit on a dead row is dropped by the alive mask
        writer = self.index_.writer(heap_size=50_000_000, num_threads=1)
        for offer_id in ids:
            writer.delete_documents_by_term("offer_id", offer_id)
        writer.commit()
        writer.wait_merging_threads()
        self.index_.reload()
        return n

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    def clear(self) -> None:
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
        self.__init__(self.path, embedder=self.embedder, vector_cache=self.cache, fx_rates=self.fx, batch_size=self.batch_size)

    def count(self, workspace_id: str | None = None) -> int:
        return self.columns.count(workspace_id)

    # -- reading --------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResponse:
        t0 = time.perf_counter()
        # Fusion needs deeper lists than the page; a single-mode search needs just the page.
        pool = max(request.limit * 5, 100) if request.mode == "hybrid" else request.limit
        f = request.filters
        if f.workspace_id is not None and not self.columns.vocab["workspace"].values:
            f = f.model_copy(update={"workspace_id": None})  # no workspace has offers of its own: every offer is shared
        lex: list[tuple[int, float]] = []
        dense: list[tuple[int, float]] = []
        qvec = None
        self._refresh()
        use_dense = request.mode in ("dense", "hybrid") and self.embedder is not None and bool(self.ready.any())
        # The query embedding (C code, GIL released) runs while lexical retrieval and the filter mask do.
        pending = self._pool.submit(self.embedder.query, request.text) if use_dense else None
        if request.mode in ("lexical", "hybrid"):
            lex = self._lexical(request.text, f, pool)
        if pending is not None:
            eligible = None if f.is_empty() else np.flatnonzero(self.columns.mask(f, None, self.fx))
            qvec = pending.result()
            dense = self._dense(qvec, f, pool, eligible)
        fused = (rrf(lex, dense) if request.mode == "hybrid" else (lex or dense))
        candidates = len(fused)
        every = np.array([r for r, _ in fused], np.int64)  # facets count every candidate, so they agree with the total
        fused = fused[: request.limit]
        rows = np.array([r for r, _ in fused], np.int64)
        lex_rank = {r: i + 1 for i, (r, _) in enumerate(lex)}
        lex_score = dict(lex)
        dense_rank = {r: i + 1 for i, (r, _) in enumerate(dense)}
        cos = self._cosines(qvec, rows) if qvec is not None else {}
        prices = self.columns.unit_price(rows, f.quantity) if len(rows) else np.zeros(0)
        hits = []
        for i, (row, score) in enumerate(fused):
            fields = self.columns.hit_fields(row)
            price = prices[i]
            hits.append(SearchHit.model_construct(  # trusted internal values: skip re-validation
                **fields, score=float(score), lexical_score=lex_score.get(row), dense_score=cos.get(row),
                lexical_rank=lex_rank.get(row), dense_rank=dense_rank.get(row),
                unit_price=None if np.isnan(price) else round(float(price), 4),
            ))
        facets = self.columns.facets(every) if request.facets and len(every) else {}
        return SearchResponse(hits=hits, candidates=candidates, facets=facets,
                              took_ms=(time.perf_counter() - t0) * 1000, backend=self.name)

    def _lexical(self, text: str, f: SearchFilters, pool: int) -> list[tuple[int, float]]:
        terms = tx.query_terms(text)
        if not terms:
            return []
        searcher = self.index_.searcher()
        query = self._text_query(searcher, terms)
        filters = self._tantivy_filters(f)
        if filters:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query)] + [
                (tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in filters])
        limit = pool
        while True:
            result = searcher.search(query, limit, count=False)
            addrs = [a for _, a in result.hits]
            rows = np.array(searcher.fast_field_values("row", addrs), np.int64) if addrs else np.zeros(0, np.int64)
            scores = [s for s, _ in result.hits]
            ok = self.columns.mask(f, rows, self.fx) if not f.is_empty() else self.columns.alive[rows]
            kept = [(int(r), float(s)) for r, s, k in zip(rows, scores, ok) if k]
            if len(kept) >= pool or len(addrs) < limit or limit >= 20_000:
                return kept[:pool]
            limit *= 4

    def _text_query(self, searcher: tantivy.Searcher, terms: list[str]) -> tantivy.Query:
        """BM25 over the text fields with boosts: one boosted term query per (term, field)."""
        Q, should, cutoff = tantivy.Query, tantivy.Occur.Should, BODY_DF_CUTOFF * max(searcher.num_docs, 1)
        clauses = []
        for term in terms:
            for field, boost in FIELD_BOOSTS.items():
                if field == "body" and searcher.doc_freq("body", term) > cutoff:
                    continue
                clauses.append((should, Q.boost_query(Q.term_query(self.schema, field, term, index_option="freq"), boost)))
        return Q.boolean_query(clauses)

    def _tantivy_filters(self, f: SearchFilters) -> list[tantivy.Query]:
        """Necessary conditions the engine can check itself; the column store checks exactly after."""
        s, Q, out = self.schema, tantivy.Query, []
        if f.quantity is not None:
            out.append(Q.range_query(s, "moq", tantivy.FieldType.Unsigned, 0, f.quantity))
        if f.max_lead_time_days is not None:
            out.append(Q.range_query(s, "lead", tantivy.FieldType.Unsigned, 0, f.max_lead_time_days))
        if f.countries:
            out.append(Q.term_set_query(s, "country", f.countries))
        if f.exclude_countries:
            out.append(Q.boolean_query([(tantivy.Occur.Must, Q.all_query()),
                                        (tantivy.Occur.MustNot, Q.term_set_query(s, "country", f.exclude_countries))]))
        if f.incoterms:
            out.append(Q.term_set_query(s, "incoterm", f.incoterms))
        for cert in f.certifications:
            out.append(Q.term_query(s, "certs", cert))
        if f.hs_prefix:  # indexed at 2, 4 and 6 digits; an odd prefix narrows by its even part, the columns decide
            p = f.hs_prefix
            out.append(Q.term_query(s, "hs", p if len(p) % 2 == 0 else p[:-1]))
        if f.verified_only:
            out.append(Q.term_query(s, "verified", True))
        rate = self.fx.get(f.currency)
        if f.max_unit_price is not None and rate:
            out.append(Q.range_query(s, "min_price_usd", tantivy.FieldType.Float, 0.0, f.max_unit_price * rate * 1.000001))
        return out

    def _dense(self, q: np.ndarray, f: SearchFilters, pool: int, eligible: np.ndarray | None) -> list[tuple[int, float]]:
        """Exact k-NN: over every product when unfiltered, else over the ``eligible`` offer rows."""
        if eligible is None:
            # Best products first, then their offers (an offer inherits its product's vector).
            cos = self.vectors @ q
            cos[~self.ready] = -np.inf  # products still waiting for a vector are found by keywords only
            k = min(pool, int(self.ready.sum()))
            top = np.argpartition(-cos, k - 1)[:k]
            order, starts = self._offers_by_product()
            out: list[tuple[int, float]] = []
            for p in top[np.argsort(-cos[top])]:
                for row in order[starts[p]:starts[p + 1]]:
                    if self.columns.alive[row]:
                        out.append((int(row), float(cos[p])))
                if len(out) >= pool:
                    break
            return out[:pool]
        prows = self.columns.ints["prow"][eligible]
        waiting = prows >= self.ready.shape[0]
        keep = ~waiting
        keep[keep] = self.ready[prows[keep]]
        ok, prows = eligible[keep], prows[keep]
        if not len(ok):
            return []
        # Gathering rows costs ~12x a streamed mat-vec per row: gather only when few offers survive.
        if len(ok) * 12 < self.vectors.shape[0]:
            scores = self.vectors[prows] @ q
        else:
            scores = (self.vectors @ q)[prows]
        k = min(pool, len(ok))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(ok[i]), float(scores[i])) for i in top]

    def _offers_by_product(self) -> tuple[np.ndarray, np.ndarray]:
        if self._product_offers is None:
            prow = self.columns.ints["prow"][: len(self.columns)]
            order = np.argsort(prow, kind="stable")
            starts = np.searchsorted(prow[order], np.arange(self.vectors.shape[0] + 1))
            self._product_offers = (order, starts)
        return self._product_offers

    def _cosines(self, q: np.ndarray, rows: np.ndarray) -> dict[int, float]:
        if not len(rows):
            return {}
        prows = self.columns.ints["prow"][rows]
        known = prows < self.ready.shape[0]
        known[known] = self.ready[prows[known]]
        scores = self.vectors[np.where(known, prows, 0)] @ q
        return {r: s for r, s, k in zip(rows.tolist(), scores.tolist(), known.tolist()) if k}

