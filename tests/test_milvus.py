"""The Milvus backend on the real Milvus engine (milvus-lite runs the same server binary in a local process)."""

import itertools
import random

import pytest

from tradewinds.errors import ConfigError
from tradewinds.models.embeddings import VectorCache, get_embedder
from tradewinds.search.milvus import MilvusBackend, collection_schema, filter_expression, parse_url
from tradewinds.search.schemas import SearchDocument, SearchFilters, SearchRequest
from tradewinds.search.testing import SearchBackendContract, contract_documents

pytest.importorskip("pymilvus")

_names = itertools.count()


@pytest.fixture(scope="module")
def lite_file(tmp_path_factory):
    """One milvus-lite server for the module; each test gets its own collection in it."""
    return tmp_path_factory.mktemp("milvus") / "offers.db"


def make_backend(path, fx, embedder=True, tmp=None):
    return MilvusBackend(f"milvus:{path}?collection=t{next(_names)}",
                         embedder=get_embedder("local:multilingual-e5-small") if embedder else None,
                         vector_cache=VectorCache(path.parent / "vectors.sqlite"), fx_rates=fx)


class TestMilvusBackend(SearchBackendContract):
    @pytest.fixture
    def backend(self, lite_file):
        b = make_backend(lite_file, self.fx)
        yield b
        b.client.drop_collection(b.collection)

    def test_native_hybrid_agrees_with_fusion_here(self, loaded, docs):
        """Without re-ranking, Milvus' hybrid_search + RRF ranks; with it, this module fuses the same way."""
        for doc in docs[:40:7]:
            here = loaded.search(SearchRequest(text=doc.title, limit=10)).hits
            native = loaded.search(SearchRequest(text=doc.title, limit=10, rerank=False)).hits
            assert doc.offer_id in {h.offer_id for h in native}
            assert [round(h.score, 6) for h in native] == pytest.approx([round(h.score, 6) for h in here], abs=1e-6)

    def test_reopen_keeps_the_collection(self, loaded, docs, lite_file):
        again = MilvusBackend(loaded.url, embedder=loaded.embedder, fx_rates=self.fx)
        assert again.count() == len(docs)
        top2 = {h.offer_id for h in again.search(SearchRequest(text=docs[7].title, mode="lexical")).hits[:2]}
        assert top2 == {docs[6].offer_id, docs[7].offer_id}

    def test_cjk_and_model_numbers(self, backend):
        backend.index([
            SearchDocument(offer_id="off_a", product_id="prd_a", supplier_id="sup_1", title="商用意式咖啡机 双头", language="zh"),
            SearchDocument(offer_id="off_b", product_id="prd_b", supplier_id="sup_1", title="Dishwasher LDS-4821WW"),
            SearchDocument(offer_id="off_c", product_id="prd_c", supplier_id="sup_1", title="Dishwasher LDS-4821BB"),
        ])
        assert backend.search(SearchRequest(text="咖啡机", mode="lexical")).hits[0].offer_id == "off_a"
        assert backend.search(SearchRequest(text="lds4821ww", mode="lexical")).hits[0].offer_id == "off_b"

    def test_dimension_mismatch_is_a_config_error(self, lite_file):
        lexical_only = make_backend(lite_file, self.fx, embedder=False)
        with pytest.raises(ConfigError, match="dim"):
            MilvusBackend(lexical_only.url, embedder=get_embedder("local:multilingual-e5-small"))


def test_url_forms(tmp_path):
    assert parse_url("milvus://milvus.internal:19530/catalog?index=hnsw") == {
        "uri": "http://milvus.internal:19530", "db_name": "catalog", "collection": "tradewinds_offers",
        "index": "HNSW", "consistency": "Strong"}
    lite = parse_url(f"milvus:{tmp_path}/x/offers.db?collection=c1")
    assert lite["uri"] == str(tmp_path / "x" / "offers.db") and lite["collection"] == "c1"
    for bad in ("milvus:offers", "milvus://h:1?colection=x", "embedded:/x"):
        with pytest.raises(ConfigError):
            parse_url(bad)


def test_schema_covers_every_search_document_field():
    names = {f.name for f in collection_schema(384).fields}
    assert {"offer_id", "title", "certifications", "verified", "moq", "tier_qty", "tier_price", "lexical_sparse", "vector"} <= names
    assert "vector" not in {f.name for f in collection_schema(None).fields}


def test_filter_values_are_data_not_expression(tmp_path):
    """A value with quotes cannot close its string literal and add a clause: it matches nothing, and no error."""
    b = make_backend(tmp_path / "q.db", {"USD": 1.0}, embedder=False)
    b.index(contract_documents(20))
    hostile = 'CN" or moq > 0 or supplier_country == "X'
    for f in (SearchFilters(countries=[hostile]), SearchFilters(certifications=[hostile]), SearchFilters(incoterms=["FOB\\", "x'y"])):
        assert b.search(SearchRequest(text="model", filters=f, mode="lexical", limit=50)).hits == [], filter_expression(f, b.fx)
    assert b.search(SearchRequest(text="model", filters=SearchFilters(countries=["CN"]), mode="lexical", limit=50)).hits
    b.close()


def test_price_expression_matches_reference_per_currency(tmp_path):
    """Tier price at quantity, per currency, on randomised tiers: Milvus agrees with brute force."""
    from tradewinds.search.testing import satisfies

    fx = {"USD": 1.0, "EUR": 1.08, "CNY": 0.14}
    rng = random.Random(5)
    docs = contract_documents(60, seed=9)
    for d in docs:
        d.currency = rng.choice(list(fx))
    b = make_backend(tmp_path / "p.db", fx, embedder=False)
    b.index(docs)
    for qty, price, cur in itertools.product((None, 10, 55, 500, 2000), (5.0, 30.0, 70.0), ("USD", "CNY")):
        f = SearchFilters(quantity=qty, max_unit_price=price, currency=cur)
        got = {h.offer_id for h in b.search(SearchRequest(text="model", filters=f, limit=200, mode="lexical")).hits}
        assert got == {d.offer_id for d in docs if satisfies(d, f, fx)}, f
    moved = {"USD": 1.0, "EUR": 1.08 * 1.15, "CNY": 0.14 * 0.85}  # rates moved since indexing: still exact
    b.fx = moved
    for qty, price in itertools.product((None, 55, 500), (5.0, 30.0, 70.0)):
        f = SearchFilters(quantity=qty, max_unit_price=price, currency="EUR")
        got = {h.offer_id for h in b.search(SearchRequest(text="model", filters=f, limit=200, mode="lexical")).hits}
        assert got == {d.offer_id for d in docs if satisfies(d, f, moved)}, f
    b.close()
