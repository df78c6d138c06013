"""Contract tests every :class:`SearchBackend` must pass (fakes and future engines included).

Use from a test module::

    class TestMyBackend(SearchBackendContract):
        @pytest.fixture
        def backend(self, tmp_path):
            return MyBackend(...)
"""

from __future__ import annotations

import random

import pytest

from .backend import SearchBackend
from .schemas import SearchDocument, SearchFilters, SearchRequest

WORDS = ("espresso machine", "coffee grinder", "cotton t-shirt", "office chair", "led bulb", "solar panel", "nitrile gloves")
COUNTRIES = ("CN", "VN", "IN", "TR", "DE")
CERTS = ("CE", "RoHS", "FDA", "ISO 9001", "BSCI")


def contract_documents(n: int = 120, seed: int = 3) -> list[SearchDocument]:
    rng = random.Random(seed)
    docs = []
    titles: dict[int, str] = {}
    for i in range(n):
        title = titles.setdefault(i // 2, f"{rng.choice(WORDS)} model X{i // 2} {rng.choice(('pro', 'lite', 'max'))}")
        moq = rng.choice((1, 10, 50, 100, 500))
        base = rng.uniform(1, 100)
        tiers = [(moq, round(base, 2)), (moq * 5, round(base * 0.9, 2)), (moq * 20, round(base * 0.8, 2))]
        docs.append(SearchDocument(
            offer_id=f"off_{i:04d}", product_id=f"prd_{i // 2:04d}", supplier_id=f"sup_{i % 9}",
            title=title, text="wholesale factory direct",
            hs_code=rng.choice(("841981", "610910", "940131", "940542")), price_tiers=tiers, moq=moq,
            currency=rng.choice(("USD", "USD", "EUR")), lead_time_days=rng.choice((7, 15, 30, 45, None)),
            incoterm=rng.choice(("FOB", "EXW", "CIF")), supplier_country=rng.choice(COUNTRIES),
            certifications=sorted(set(rng.sample(CERTS, rng.randint(0, 3)))), verified=rng.random() < 0.5,
        ))
    return docs


def satisfies(doc: SearchDocument, f: SearchFilters, fx: dict[str, float]) -> bool:
    """Brute-force reference for the hard constraints."""
    if f.quantity is not None and doc.moq > f.quantity:
        return False
    if f.max_lead_time_days is not None and (doc.lead_time_days is None or doc.lead_time_days > f.max_lead_time_days):
        return False
    if f.countries and doc.supplier_country not in f.countries:
        return False
    if f.exclude_countries and doc.supplier_country in f.exclude_countries:
        return False
    if f.incoterms and doc.incoterm not in f.incoterms:
        return False
    if not set(f.certifications) <= set(doc.certifications):
        return False
    if f.verified_only and not doc.verified:
        return False
    if f.hs_prefix and not (doc.hs_code or "").startswith(f.hs_prefix):
        return False
    if f.max_unit_price is not None:
        qty = f.quantity or doc.moq
        price = None
        for q, p in sorted(doc.price_tiers):
            if q <= qty:
                price = p
        if price is None or price * fx[doc.currency] / fx[f.currency] > f.max_unit_price + 1e-9:
            return False
    return True


def random_filters(rng: random.Random) -> SearchFilters:
    return SearchFilters(
        quantity=rng.choice((None, 10, 60, 500, 3000)), max_unit_price=rng.choice((None, 20.0, 50.0, 80.0)),
        currency=rng.choice(("USD", "EUR")), certifications=rng.sample(CERTS, rng.choice((0, 0, 1, 2))),
        countries=rng.sample(COUNTRIES, rng.choice((0, 0, 2))), exclude_countries=rng.sample(COUNTRIES, rng.choice((0, 0, 1))),
        max_lead_time_days=rng.choice((None, 15, 30)), incoterms=rng.sample(("FOB", "EXW", "CIF"), rng.choice((0, 1, 2))),
        hs_prefix=rng.choice((None, "84", "940", "9401", "61091", "610910")), verified_only=rng.random() < 0.2,
    )


class SearchBackendContract:
    """Subclass and provide a ``backend`` fixture returning an empty backend; ``fx`` may be overridden."""

    fx = {"USD": 1.0, "EUR": 1.08}

    @pytest.fixture
    def docs(self) -> list[SearchDocument]:
        return contract_documents()

    @pytest.fixture
    def loaded(self, backend: SearchBackend, docs) -> SearchBackend:
        backend.index(docs)
        return backend

    def test_index_counts_and_upsert_is_idempotent(self, backend: SearchBackend, docs):
        assert backend.index(docs) == len(docs)
        assert backend.count() == len(docs)
        backend.index(docs[:10])
        assert backend.count() == len(docs)
        hits = backend.search(SearchRequest(text=docs[3].title, limit=50, mode="lexical")).hits
        assert [h.offer_id for h in hits].count("off_0003") == 1

    def test_update_replaces_document(self, loaded: SearchBackend, docs):
        changed = docs[5].model_copy(update={"title": "zanzibar snorkel 5", "supplier_country": "TR", "product_id": "prd_new"})
        loaded.index([changed])
        hits = loaded.search(SearchRequest(text="zanzibar snorkel", mode="lexical")).hits
        assert hits and hits[0].offer_id == "off_0005" and hits[0].supplier_country == "TR"
        assert loaded.count() == len(docs)

    def test_delete(self, loaded: SearchBackend, docs):
        assert loaded.delete(["off_0001", "off_0002"]) == 2
        assert loaded.count() == len(docs) - 2
        for mode in ("lexical", "dense", "hybrid"):
            ids = {h.offer_id for h in loaded.search(SearchRequest(text=docs[1].title, limit=100, mode=mode)).hits}
            assert not ids & {"off_0001", "off_0002"}

    @pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
    def test_modes_find_exact_title(self, loaded: SearchBackend, docs, mode):
        target = docs[17]
        hits = loaded.search(SearchRequest(text=target.title, limit=10, mode=mode)).hits
        assert target.offer_id in [h.offer_id for h in hits]
        score_field = {"lexical": "lexical_score", "dense": "dense_score", "hybrid": "score"}[mode]
        assert all(getattr(h, score_field) is not None for h in hits)

    @pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
    def test_filters_are_never_violated_and_nothing_eligible_is_lost(self, loaded: SearchBackend, docs, mode):
        rng = random.Random(11)
        for _ in range(40):
            f = random_filters(rng)
            eligible = {d.offer_id for d in docs if satisfies(d, f, self.fx)}
            hits = loaded.search(SearchRequest(text=rng.choice(WORDS), filters=f, limit=200, mode=mode)).hits
            got = {h.offer_id for h in hits}
            assert got <= eligible, f"violations for {f}: {got - eligible}"
            if mode == "dense":  # dense ranks every eligible offer, so none may be missing
                assert got == eligible

    def test_price_at_quantity_uses_the_tier(self, loaded: SearchBackend, docs):
        d = docs[0]
        (q0, p0), (q1, p1), _ = d.price_tiers
        hits = loaded.search(SearchRequest(text=d.title, filters=SearchFilters(quantity=q1), limit=50, mode="lexical")).hits
        hit = next(h for h in hits if h.offer_id == d.offer_id)
        assert hit.unit_price == pytest.approx(p1)

    def test_facets_count_candidates(self, loaded: SearchBackend):
        r = loaded.search(SearchRequest(text="espresso machine", limit=200, facets=True, filters=SearchFilters(countries=["CN", "VN"])))
        countries = {f.value for f in r.facets["supplier_country"]}
        assert countries <= {"CN", "VN"} and sum(f.count for f in r.facets["supplier_country"]) == r.candidates

    def test_facets_count_every_candidate_not_only_the_page(self, loaded: SearchBackend):
        page = loaded.search(SearchRequest(text="espresso machine", limit=3, facets=True))
        assert len(page.hits) == 3 and page.candidates > 3
        assert sum(f.count for f in page.facets["supplier_country"]) == page.candidates  # the counts agree with the total

    def test_a_workspaces_own_offers_are_found_and_counted_by_it_alone(self, backend: SearchBackend, docs):
        own = [docs[1].model_copy(update={"offer_id": "off_a001", "workspace_id": "a"}),
               docs[1].model_copy(update={"offer_id": "off_b001", "workspace_id": "b"})]
        backend.index(docs + own)
        assert (backend.count(), backend.count("a"), backend.count("nobody")) == (len(docs) + 2, len(docs) + 1, len(docs))
        for ws, mine, theirs in (("a", "off_a001", "off_b001"), ("b", "off_b001", "off_a001")):
            req = SearchRequest(text=docs[1].title, limit=100, mode="lexical", filters=SearchFilters(workspace_id=ws))
            ids = {h.offer_id for h in backend.search(req).hits}
            assert mine in ids and theirs not in ids and "off_0001" in ids

    def test_clear(self, loaded: SearchBackend):
        loaded.clear()
        assert loaded.count() == 0
