
import pytest

from tradewinds.models.embeddings import VectorCache, get_embedder
from tradewinds.search.embedded import EmbeddedBackend
from tradewinds.search.rerank import FEATURES, LearnedRanker, QueryProfile, features
from tradewinds.search.schemas import SearchFilters, SearchHit, SearchRequest
from tradewinds.search.testing import SearchBackendContract
from tradewinds.search import text as tx


class TestEmbeddedBackend(SearchBackendContract):
    @pytest.fixture
    def backend(self, tmp_path):
        return EmbeddedBackend(tmp_path / "idx", embedder=get_embedder("local:multilingual-e5-small"),
                               vector_cache=VectorCache(tmp_path / "v.sqlite"), fx_rates=self.fx)

    def test_reopen_from_disk(self, loaded, tmp_path, docs):
        again = EmbeddedBackend(tmp_path / "idx", embedder=loaded.embedder, fx_rates=self.fx)
        assert again.count() == len(docs)
        top2 = {h.offer_id for h in again.search(SearchRequest(text=docs[7].title, mode="lexical")).hits[:2]}
        assert top2 == {docs[6].offer_id, docs[7].offer_id}  # the two offers of that product


def test_text_analysis_codes_and_cjk():
    assert "lds4821ww" in tx.codes("LG LDS-4821WW dishwasher")
    assert tx.cjk_bigrams("咖啡机") == ["咖啡", "啡机"]
    assert tx.words("The Espresso machine") == ["espresso", "machine"]


def test_vector_cache_embeds_each_text_once(tmp_path):
    class Counting:
        model_id, dim, calls = "test:count", 3, []

        def embed(self, texts, *, kind):
            self.calls.append(list(texts))
            import numpy as np

            return np.ones((len(texts), 3), np.float32)

    cache, emb = VectorCache(tmp_path / "c.sqlite"), Counting()
    cache.embed(emb, ["a", "b", "a"])
    cache.embed(emb, ["a", "b", "c"])
    assert emb.calls == [["a", "b"], ["c"]]


def _hit(offer_id, title, lex=None, dense=None, model=None, price=None):
    return SearchHit(offer_id=offer_id, product_id="p", supplier_id="s", title=title, model_number=model, score=0.01,
                     lexical_score=lex, dense_score=dense, lexical_rank=1 if lex else None, dense_rank=1 if dense else None,
                     currency="USD", moq=1, unit_price=price)


def test_ranker_prefers_the_exact_model_number():
    ranker = LearnedRanker.load()
    q = "lg 24 ' lds4821ww semi integrated built in white dishwasher"
    hits = [_hit("wrong", "lg ldf6920bb fully integrated dishwasher 24", lex=9.0, dense=0.9, price=500),
            _hit("right", "lg 24 semi-integrated dishwasher lds4821ww white", lex=8.0, dense=0.88, price=520)]
    assert [h.offer_id for h in ranker.rerank(q, hits, reference_price=510)] == ["right", "wrong"]
    x = features(QueryProfile(q), hits)
    assert x.shape == (2, len(FEATURES)) and x[1, FEATURES.index("code_exact")] == 1.0


def test_demo_search_multilingual_and_filtered(demo_services):
    search = demo_services.search
    r = search.search(SearchRequest(text="咖啡机", limit=5))
    assert r.hits and any(("espresso" in h.title.lower() or "咖啡" in h.title or "coffee" in h.title.lower()) for h in r.hits[:3])
    f = SearchFilters(quantity=500, max_unit_price=3.0, countries=["CN", "VN", "BD"])
    r = search.search(SearchRequest(text="cotton t-shirt custom logo", filters=f, limit=10))
    assert r.hits
    for h in r.hits:
        assert h.supplier_country in {"CN", "VN", "BD"} and h.moq <= 500 and h.unit_price <= 3.0


@pytest.mark.parametrize("prefix", ["94", "940", "9401", "94013", "940131"])
def test_an_hs_prefix_of_any_length_from_2_to_6_digits_filters_by_its_digits(demo_services, prefix):
    hits = demo_services.search.search(SearchRequest(text="office chair", filters=SearchFilters(hs_prefix=prefix), limit=20)).hits
    assert hits and all(h.hs_code.startswith(prefix) for h in hits)  # 3 and 5 digits matched nothing before
