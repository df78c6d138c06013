"""The Milvus backend: the same search on a Milvus cluster, or on a milvus-lite file on one machine.

Selected by ``TRADEWINDS_SEARCH_URL``:

* ``milvus://host:19530`` (``?collection=...&index=HNSW&db=...``) — a Milvus server or cluster;
  ``TRADEWINDS_MILVUS_TOKEN`` holds ``user:password`` or an API key when it needs one;
* ``milvus:data/offers.db`` or ``milvus:///abs/path/offers.db`` — milvus-lite, the real Milvus
  engine in a local process (one process at a time may open the file).

One collection row per offer. Its schema is derived from :class:`SearchDocument`, so a field added
to the catalog's search document cannot be forgotten here (``collection_schema`` refuses an
unmapped one). Every engine feature the embedded backend has, Milvus does in the engine:

* BM25 by Milvus' BM25 function over one analysed field. The text is pre-analysed by
  :mod:`tradewinds.search.text` (Unicode words for Latin, Cyrillic, Arabic, Hangul...; CJK as
  bigrams; model numbers normalised), the same terms the embedded backend indexes, and field
  boosts are term repetitions; Milvus then only splits on whitespace. One analyser for every
  language keeps mixed-language catalogs in one field and relevance equal across backends.
* dense retrieval on a float-vector field (COSINE; index type from the URL, ``AUTOINDEX`` default);
* hard filters as one boolean expression over scalar and array fields, evaluated by Milvus before
  ranking; price at quantity is tested there on tier prices stored in USD (widened for FX drift) and
  then exactly, per offer currency at today's FX rates, on the candidates (:func:`price_ok`);
* hybrid: both lists fused by reciprocal rank. With ``rerank`` the fusion happens here, because the
  re-ranker needs each list's score and rank; without, Milvus' own ``hybrid_search`` + RRF does it.
"""

from __future__ import annotations

import json
import time
import types
import typing
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import ConfigError
from ..models.embeddings import Embedder, VectorCache
from . import text as tx
from .backend import Progress, SearchBackend
from ..trade.pricing import price_at
from .fusion import RRF_K, facets_of, rrf
from .schemas import SearchDocument, SearchFilters, SearchHit, SearchRequest, SearchResponse

MAX_TIERS = 8
NO_QTY = 2**62  # pads tier_qty so an unused tier never applies
LEXICAL_BYTES = 60_000
MAX_TOPK = 16_384  # Milvus' limit on top-k
# Boosts as repetitions of a field's terms in the one BM25 field (tantivy's boosts: title 2, codes 3, brand 1.5).
REPEAT = {"title": 2, "codes": 3, "brand": 1}
VARCHAR_BYTES = {"offer_id": 128, "product_id": 128, "supplier_id": 128, "title": 2048, "hs_code": 16, "language": 16,
                 "currency": 8, "incoterm": 8, "supplier_country": 8}
# Derived columns: what SearchDocument fields become when they are not stored as they are.
DERIVED = {"text": "lexical", "price_tiers": "tier_qty, tier_price, tier_price_usd, moq_price_usd"}
# Prices are also stored in USD at the FX rates of indexing time, for the engine's price condition. It is
# widened by this factor and the exact test runs here at today's rates, so results are always exact and
# rates may move 25 % between re-indexes before an offer on the edge could be missed.
FX_BAND = 1.25
NO_PRICE = 1e18
# milvus-lite 2.5.1 imports pkg_resources (setuptools < 81, pinned); its deprecation notice is not for our users.
warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

FILTER_FIELDS = ("moq", "lead_time_days", "supplier_country", "incoterm", "certifications", "hs_code", "verified", "currency",
                 "workspace_id")


def parse_url(url: str) -> dict:
    """``milvus://host:port/db?collection=..&index=..`` or ``milvus:path.db`` -> client settings."""
    parts = urlsplit(url)
    if parts.scheme != "milvus":
        raise ConfigError(f"not a Milvus URL: {url!r}", hint="use milvus://host:19530 or milvus:path/to/offers.db")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"collection", "index", "consistency"}
    if unknown:
        raise ConfigError(f"unknown Milvus URL option(s) {sorted(unknown)} in {url!r}", hint="supported: collection, index, consistency")
    out = {"collection": query.get("collection", "tradewinds_offers"), "index": query.get("index", "AUTOINDEX").upper(),
           "consistency": query.get("consistency", "Strong")}
    if parts.netloc:
        out["uri"], out["db_name"] = f"http://{parts.netloc}", parts.path.strip("/") or "default"
    else:
        if not parts.path.endswith(".db"):
            raise ConfigError(f"a milvus-lite file must end in .db: {url!r}", hint="e.g. TRADEWINDS_SEARCH_URL=milvus:data/offers.db")
        out["uri"], out["db_name"] = str(Path(parts.path).expanduser().resolve()), ""
        Path(out["uri"]).parent.mkdir(parents=True, exist_ok=True)
    return out


def _clip(value: str | None, limit: int) -> str:
    """Fit a UTF-8 string into ``limit`` bytes, cutting at a character boundary; None -> ''."""
    data = (value or "").encode()
    return value or "" if len(data) <= limit else data[:limit].decode(errors="ignore")


def lexical_text(d: SearchDocument) -> str:
    """The pre-analysed terms of one offer, boosts as repetitions (see the module docstring)."""
    title = [*tx.words(d.title), *tx.cjk_bigrams(d.title)]
    codes = tx.codes(f"{d.title} {d.model_number or ''}")
    brand = [*tx.words(d.brand or ""), *tx.cjk_bigrams(d.brand or "")]
    body_text = f"{d.text} {d.category or ''} {d.model_number or ''}"
    body = [*tx.words(body_text), *tx.cjk_bigrams(body_text)]
    terms = title * REPEAT["title"] + codes * REPEAT["codes"] + brand * REPEAT["brand"] + body
    return _clip(" ".join(terms), LEXICAL_BYTES)


def _scalar_type(annotation, DataType):
    """DataType for a SearchDocument field annotation (Optional unwrapped)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation is bool:
        return DataType.BOOL
    if annotation is int:
        return DataType.INT64
    if annotation is str:
        return DataType.VARCHAR
    if typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,):
        return DataType.ARRAY
    return None


def collection_schema(dim: int | None):
    """The collection's schema, derived from :class:`SearchDocument` field by field."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    for name, field in SearchDocument.model_fields.items():
        if name in DERIVED:
            continue
        dtype = _scalar_type(field.annotation, DataType)
        if dtype is None:
            raise ConfigError(f"SearchDocument.{name} ({field.annotation}) has no Milvus column",
                              hint="map it in tradewinds/search/milvus.py (collection_schema / DERIVED)")
        if dtype == DataType.VARCHAR:
            schema.add_field(name, dtype, max_length=VARCHAR_BYTES.get(name, 512), is_primary=name == "offer_id")
        elif dtype == DataType.ARRAY:
            schema.add_field(name, dtype, element_type=DataType.VARCHAR, max_capacity=64, max_length=64)
        else:
            schema.add_field(name, dtype)
    schema.add_field("tier_qty", DataType.ARRAY, element_type=DataType.INT64, max_capacity=MAX_TIERS)
    schema.add_field("tier_price", DataType.ARRAY, element_type=DataType.DOUBLE, max_capacity=MAX_TIERS)
    schema.add_field("tier_price_usd", DataType.ARRAY, element_type=DataType.DOUBLE, max_capacity=MAX_TIERS)
    schema.add_field("moq_price_usd", DataType.DOUBLE)  # unit price at MOQ; NO_PRICE when the MOQ is below tier 1
    schema.add_field("lexical", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                     analyzer_params={"tokenizer": "whitespace", "filter": ["lowercase"]})
    schema.add_field("lexical_sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["lexical"], output_field_names=["lexical_sparse"]))
    if dim:
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    return schema


OUTPUT_FIELDS = ["offer_id", "product_id", "supplier_id", "title", "brand", "model_number", "category", "hs_code",
                 "currency", "moq", "lead_time_days", "incoterm", "supplier_country", "supplier_name", "certifications",
                 "verified", "tier_qty", "tier_price"]


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Milvus string literal, quotes escaped


def filter_expression(f: SearchFilters, fx: dict[str, float]) -> str:
    """The hard constraints as one Milvus boolean expression ('' when there are none)."""
    out: list[str] = []
    if f.quantity is not None:
        out.append(f"moq <= {f.quantity}")
    if f.max_lead_time_days is not None:
        out.append(f"(lead_time_days >= 0 and lead_time_days <= {f.max_lead_time_days})")
    if f.countries:
        out.append(f"supplier_country in [{', '.join(map(_q, f.countries))}]")
    if f.exclude_countries:
        out.append(f"supplier_country not in [{', '.join(map(_q, f.exclude_countries))}]")
    if f.incoterms:
        out.append(f"incoterm in [{', '.join(map(_q, f.incoterms))}]")
    if f.certifications:
        out.append(f"array_contains_all(certifications, [{', '.join(map(_q, f.certifications))}])")
    if f.hs_prefix:
        out.append(f'hs_code like "{f.hs_prefix}%"')  # digits only (validated)
    if f.verified_only:
        out.append("verified == true")
    if f.max_unit_price is not None:
        out.append(_price_expression(f, fx))
    if f.workspace_id is not None:  # the shared catalog and this workspace's own offers, never another's
        out.append(f'(workspace_id == "" or workspace_id == {_q(f.workspace_id)})')
    return " and ".join(out)


def _price_expression(f: SearchFilters, fx: dict[str, float]) -> str:
    """The price cap on the USD prices stored at indexing, widened by FX_BAND; :func:`price_ok` is exact.

    (An exact expression per offer currency was 19 currencies x 8 tiers of array comparisons per row.)"""
    rate_q = fx.get(f.currency)
    if not rate_q:
        return "false"
    cap = f.max_unit_price * rate_q * FX_BAND
    if f.quantity is None:
        return f"moq_price_usd <= {cap!r}"
    q = f.quantity
    tiers = [f"(tier_qty[{i}] <= {q} and tier_qty[{i + 1}] > {q} and tier_price_usd[{i}] <= {cap!r})"
             for i in range(MAX_TIERS - 1)]
    tiers.append(f"(tier_qty[{MAX_TIERS - 1}] <= {q} and tier_price_usd[{MAX_TIERS - 1}] <= {cap!r})")
    return f"({' or '.join(tiers)})"


def row_price(e: dict, quantity: int | None) -> float | None:
    """Unit price of a returned row at ``quantity`` (at its MOQ when None), in the offer's currency."""
    tiers = [(int(q), float(p)) for q, p in zip(e["tier_qty"], e["tier_price"]) if q != NO_QTY]
    return price_at(tiers, quantity if quantity is not None else int(e["moq"]))


def price_ok(e: dict, f: SearchFilters, fx: dict[str, float]) -> bool:
    """The exact test on one returned row: price at the quantity (or MOQ) at today's FX rates."""
    if f.max_unit_price is None:
        return True
    rate, rate_q = fx.get(e["currency"]), fx.get(f.currency)
    price = row_price(e, f.quantity)
    return bool(price is not None and rate and rate_q and price * rate / rate_q <= f.max_unit_price + 1e-9)


class MilvusBackend(SearchBackend):
    name = "milvus"

    def __init__(self, url: str, *, embedder: Embedder | None, vector_cache: VectorCache | None = None,
                 fx_rates: dict[str, float] | None = None, batch_size: int = 64, token: str | None = None,
                 write_batch: int = 1_000) -> None:
        try:
            from pymilvus import MilvusClient
        except ImportError as e:  # pragma: no cover - depends on the install
            raise ConfigError("the milvus backend needs pymilvus", hint='pip install "tradewinds[milvus]"') from e
        self.url = url
        self.options = parse_url(url)
        self.embedder = embedder
        self.cache = vector_cache
        self.fx = fx_rates or {"USD": 1.0}
        self.batch_size = batch_size
        self.write_batch = write_batch
        self.collection = self.options["collection"]
        kwargs = {"uri": self.options["uri"]}
        if self.options["db_name"]:
            kwargs["db_name"] = self.options["db_name"]
        if token:
            kwargs["token"] = token
        try:
            self.client = MilvusClient(**kwargs)
        except Exception as e:
            raise ConfigError(f"cannot reach Milvus at {self.options['uri']}: {e}",
                              hint="check TRADEWINDS_SEARCH_URL (and TRADEWINDS_MILVUS_TOKEN), or that no other process holds the milvus-lite file") from e
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tw-milvus")
        self._ensure_collection()

    # -- collection -----------------------------------------------------------
    def _ensure_collection(self) -> None:
        dim = self.embedder.dim if self.embedder else None
        if self.client.has_collection(self.collection):
            fields = {f["name"]: f for f in self.client.describe_collection(self.collection)["fields"]}
            have = fields.get("vector", {}).get("params", {}).get("dim")
            if (int(have) if have else None) != dim:
                raise ConfigError(f"Milvus collection {self.collection!r} has vectors of dim {have}, the embedder makes {dim}",
                                  hint="rebuild it: tradewinds catalog index --rebuild (or use another ?collection=)")
        else:
            index = self.client.prepare_index_params()
            index.add_index("lexical_sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            if dim:
                index.add_index("vector", index_type=self.options["index"], metric_type="COSINE",
                                **({"params": {"M": 16, "efConstruction": 200}} if self.options["index"] == "HNSW" else {}))
            if not self._is_lite:  # scalar indexes for the filter fields; milvus-lite scans them
                for field in FILTER_FIELDS:
                    index.add_index(field, index_type="INVERTED")
            self.client.create_collection(self.collection, schema=collection_schema(dim), index_params=index,
                                          consistency_level=self.options["consistency"])
        self.client.load_collection(self.collection)

    @property
    def _is_lite(self) -> bool:
        return not self.options["uri"].startswith("http")

    # -- writing --------------------------------------------------------------
    def index(self, docs: Iterable[SearchDocument], *, progress: Progress | None = None, vectors: bool = True) -> int:
        # A Milvus row carries its vector: it is embedded now, whatever ``vectors`` asks
        written = 0
        batch: list[SearchDocument] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= self.write_batch:
                written += self._write(batch, progress)
                batch = []
        if batch:
            written += self._write(batch, progress)
        return written

    def _write(self, docs: list[SearchDocument], progress: Progress | None) -> int:
        latest = {d.offer_id: d for d in docs}  # one row per primary key in a request
        docs = list(latest.values())
        vectors = self._vectors(docs)
        rows = [self._row(d, vectors.get(d.product_id)) for d in docs]
        self.client.upsert(self.collection, rows)
        if progress:
            progress(len(docs))
        return len(docs)

    def _vectors(self, docs: list[SearchDocument]) -> dict:
        if self.embedder is None:
            return {}
        texts = {d.product_id: d.embedding_text() for d in docs}  # an offer carries its product's vector
        values = list(texts.values())
        if self.cache is not None:
            vecs = self.cache.embed(self.embedder, values, kind="passage", batch_size=self.batch_size)
        else:
            vecs = self.embedder.embed(values, kind="passage")
        return dict(zip(texts, vecs))

    def _row(self, d: SearchDocument, vector) -> dict:
        tiers = sorted(d.price_tiers)[:MAX_TIERS]
        moq_price = price_at(tiers, d.moq)
        rate = self.fx.get(d.currency)
        usd = [float(p) * rate if rate else NO_PRICE for _, p in tiers]
        row = {
            "offer_id": d.offer_id, "product_id": d.product_id, "supplier_id": d.supplier_id,
            "title": _clip(d.title, VARCHAR_BYTES["title"]), "brand": _clip(d.brand, 512),
            "model_number": _clip(d.model_number, 512), "category": _clip(d.category, 512),
            "hs_code": _clip(d.hs_code, 16), "language": _clip(d.language, 16), "currency": d.currency,
            "moq": d.moq, "lead_time_days": -1 if d.lead_time_days is None else d.lead_time_days,
            "incoterm": d.incoterm or "", "supplier_country": d.supplier_country or "",
            "supplier_name": _clip(d.supplier_name, 512), "certifications": d.certifications[:64],
            "verified": d.verified, "workspace_id": d.workspace_id or "",  # '': the shared catalog
            "tier_qty": [q for q, _ in tiers] + [NO_QTY] * (MAX_TIERS - len(tiers)),
            "tier_price": [float(p) for _, p in tiers] + [0.0] * (MAX_TIERS - len(tiers)),
            "tier_price_usd": usd + [NO_PRICE] * (MAX_TIERS - len(tiers)),
            "moq_price_usd": NO_PRICE if moq_price is None or not rate else float(moq_price) * rate,
            "lexical": lexical_text(d),
        }
        if self.embedder is not None:
            row["vector"] = [float(x) for x in vector]
        return row

    def delete(self, offer_ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(offer_ids))
        present = 0
        for start in range(0, len(ids), 1_000):
            chunk = ids[start:start + 1_000]
            present += len(self.client.get(self.collection, ids=chunk, output_fields=["offer_id"]))
            self.client.delete(self.collection, ids=chunk)
        return present

    def count(self, workspace_id: str | None = None) -> int:
        expr = "" if workspace_id is None else f'(workspace_id == "" or workspace_id == {_q(workspace_id)})'
        res = self.client.query(self.collection, filter=expr, output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    def clear(self) -> None:
        self.client.drop_collection(self.collection)
        self._ensure_collection()

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self.client.close()

    # -- reading --------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResponse:
        t0 = time.perf_counter()
        pool = max(request.limit * 5, 100) if request.mode == "hybrid" else request.limit
        f = request.filters
        expr = filter_expression(f, self.fx)
        use_dense = request.mode in ("dense", "hybrid") and self.embedder is not None
        use_lex = request.mode in ("lexical", "hybrid")
        terms = " ".join(tx.query_terms(request.text)) if use_lex else ""
        pending = self._pool.submit(self.embedder.query, request.text) if use_dense else None
        entities: dict[str, dict] = {}  # offer id -> fields, filled by the fetches
        lex_rank: dict[str, tuple[int, float]] = {}
        dense_rank: dict[str, tuple[int, float]] = {}
        if request.mode == "hybrid" and not request.rerank and pending is not None and terms:
            fused = self._native_hybrid(terms, pending.result(), expr, pool, f, entities)
        else:
            lex = self._ann("lexical_sparse", terms, expr, pool, f, entities) if terms else []
            dense = self._ann("vector", pending.result().tolist(), expr, pool, f, entities) if pending is not None else []
            lex_rank = {o: (i + 1, s) for i, (o, s) in enumerate(lex)}
            dense_rank = {o: (i + 1, s) for i, (o, s) in enumerate(dense)}
            fused = rrf(lex, dense) if request.mode == "hybrid" else (lex or dense)
        every = [self._hit(entities[o], f, score=s, lexical=lex_rank.get(o), dense=dense_rank.get(o))
                 for o, s in (fused if request.facets else fused[: request.limit])]
        hits = every[: request.limit]  # facets count every candidate, so they agree with the total
        return SearchResponse(hits=hits, candidates=len(fused), facets=facets_of(every) if request.facets else {},
                              took_ms=(time.perf_counter() - t0) * 1000, backend=self.name)

    def _ann(self, field: str, data, expr: str, limit: int, f: SearchFilters, entities: dict) -> list[tuple[str, float]]:
        params = {"params": {"drop_ratio_search": 0.0}} if field == "lexical_sparse" else self._vector_params(limit)
        return self._until_full(limit, f, lambda k: self.client.search(
            self.collection, data=[data], anns_field=field, limit=k, filter=expr, output_fields=OUTPUT_FIELDS,
            search_params=params)[0], entities)

    def _until_full(self, limit: int, f: SearchFilters, fetch, entities: dict) -> list[tuple[str, float]]:
        """Fetch top-k, keep rows passing the exact price test, fetch deeper until ``limit`` are kept.
        With a price cap the first fetch is a quarter deeper: the engine's FX band lets a few through."""
        k = min(limit + (limit // 4 if f.max_unit_price is not None else 0), MAX_TOPK)
        while True:
            rows = fetch(k)
            kept = [(r["id"], float(r["distance"])) for r in rows if price_ok(r["entity"], f, self.fx)]
            if len(kept) >= limit or len(rows) < k or k >= MAX_TOPK:
                for r in rows:  # the hit fields of the page come from here (a second round trip costs more)
                    entities.setdefault(r["id"], r["entity"])
                return kept[:limit]
            k = min(k * 2, MAX_TOPK)

    def _vector_params(self, limit: int) -> dict:
        return {"params": {"ef": max(limit, 64)}} if self.options["index"] == "HNSW" else {}

    def _native_hybrid(self, terms: str, qvec, expr: str, pool: int, f: SearchFilters,
                       entities: dict) -> list[tuple[str, float]]:
        from pymilvus import AnnSearchRequest, RRFRanker

        def fetch(k: int):
            reqs = [AnnSearchRequest(data=[terms], anns_field="lexical_sparse", param={"params": {"drop_ratio_search": 0.0}},
                                     limit=k, expr=expr or None),
                    AnnSearchRequest(data=[qvec.tolist()], anns_field="vector", param=self._vector_params(k),
                                     limit=k, expr=expr or None)]
            return self.client.hybrid_search(self.collection, reqs=reqs, ranker=RRFRanker(RRF_K), limit=k,
                                             output_fields=OUTPUT_FIELDS)[0]
        return self._until_full(pool, f, fetch, entities)

    def _hit(self, e: dict, f: SearchFilters, *, score: float, lexical: tuple[int, float] | None = None,
             dense: tuple[int, float] | None = None) -> SearchHit:
        price = row_price(e, f.quantity)
        lead = int(e["lead_time_days"])
        return SearchHit.model_construct(  # values we wrote ourselves: no re-validation
            offer_id=e["offer_id"], product_id=e["product_id"], supplier_id=e["supplier_id"], title=e["title"],
            brand=e["brand"] or None, model_number=e["model_number"] or None, category=e["category"] or None,
            hs_code=e["hs_code"] or None, score=float(score),
            lexical_score=lexical[1] if lexical else None, lexical_rank=lexical[0] if lexical else None,
            dense_score=dense[1] if dense else None, dense_rank=dense[0] if dense else None,
            unit_price=None if price is None else round(price, 4), currency=e["currency"], moq=int(e["moq"]),
            lead_time_days=lead if lead >= 0 else None, incoterm=e["incoterm"] or None,
            supplier_country=e["supplier_country"] or None, supplier_name=e["supplier_name"] or None,
            certifications=list(e["certifications"]), verified=bool(e["verified"]),
        )

