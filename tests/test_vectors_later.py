"""Keywords first, vectors behind (issue 15, item 8): a catalog indexed without vectors is searchable at once,
a filler embeds it later (another process, a chunk at a time), writers in two processes never lose each
other's vectors, readers pick new ones up, and a run says how much of the catalog it searched by meaning."""

import time

import pytest
from typer.testing import CliRunner

from tradewinds.bootstrap import bootstrap
from tradewinds.catalog.service import build_demo, catalog_documents, fill_vectors, index_catalog
from tradewinds.jobs import vectors as fill
from tradewinds.search import embedded
from tradewinds.search.embedded import EmbeddedBackend
from tradewinds.search.schemas import SearchRequest
from tradewinds.settings import Settings

QUERY = "stainless steel travel coffee mug"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """A 120-product demo catalog in SQLite, indexed for keywords only."""
    data = tmp_path_factory.mktemp("later")
    services = bootstrap(Settings(data_dir=data))
    build_demo(services.repo, products=120, seed=7)
    index_catalog(services.repo, services.backend, vectors=False)
    return services


def _backend(services) -> EmbeddedBackend:
    b = services.backend
    return EmbeddedBackend(b.path, embedder=b.embedder, vector_cache=b.cache, fx_rates=b.fx)


def test_keywords_first_then_vectors_make_the_same_index_as_embedding_at_once(catalog, tmp_path):
    backend = _backend(catalog)
    assert backend.vector_coverage() == 0.0
    lexical = backend.search(SearchRequest(text=QUERY, limit=5, mode="hybrid"))
    assert lexical.hits and all(h.dense_score is None for h in lexical.hits)  # found by keywords, no made-up cosine
    assert backend.search(SearchRequest(text=QUERY, limit=5, mode="dense")).hits == []  # no empty vector is ever "near"

    filled = fill_vectors(catalog.repo, backend)
    assert filled == catalog.repo.counts()["products"] and backend.vector_coverage() == 1.0
    assert fill_vectors(catalog.repo, backend) == 0  # nothing left to do

    at_once = EmbeddedBackend(tmp_path / "at-once", embedder=backend.embedder, vector_cache=backend.cache, fx_rates=backend.fx)
    at_once.index(catalog_documents(catalog.repo))
    for mode in ("dense", "hybrid"):
        later, now = (b.search(SearchRequest(text=QUERY, limit=10, mode=mode)) for b in (backend, at_once))
        assert [h.offer_id for h in later.hits] == [h.offer_id for h in now.hits], mode
        assert all(h.dense_score is not None for h in later.hits)


def test_two_writers_keep_each_others_vectors_and_a_reader_picks_them_up(tmp_path, monkeypatch, catalog):
    monkeypatch.setattr(embedded, "RELOAD_EVERY_S", 0.0)
    source = catalog.backend
    docs = list(catalog_documents(catalog.repo))
    half = {d.product_id for d in docs[: len(docs) // 2]}
    path = tmp_path / "index"
    importer = EmbeddedBackend(path, embedder=source.embedder, vector_cache=source.cache, fx_rates=source.fx)
    importer.index(docs, vectors=False)
    reader = EmbeddedBackend(path, embedder=source.embedder, vector_cache=source.cache, fx_rates=source.fx)
    filler = EmbeddedBackend(path, embedder=source.embedder, vector_cache=source.cache, fx_rates=source.fx)
    filled = filler.fill_vectors([d for d in docs if d.product_id in half], chunk=16)
    assert 0 < filled < len(filler.columns.product_rows)
    # the importer still holds the index it loaded (no vectors) and writes a new product with its vector
    new = docs[0].model_copy(update={"offer_id": "off_newnewnewnew1", "product_id": "prd_newnewnewnew1", "title": "bamboo cutting board"})
    importer.index([new])
    on_disk = EmbeddedBackend(path, embedder=source.embedder, vector_cache=source.cache, fx_rates=source.fx)
    rows = on_disk.columns.product_rows
    assert all(on_disk.ready[rows[p]] for p in half), "the importer's write dropped the filler's vectors"
    assert on_disk.ready[rows["prd_newnewnewnew1"]] and on_disk.ready.sum() == filled + 1
    known = len(reader.columns.product_rows)  # the reader loaded the columns before the import
    assert reader.vector_coverage() == pytest.approx(filled / known)  # and sees the filler's vectors without reopening
    assert reader.search(SearchRequest(text=QUERY, limit=5, mode="dense")).hits


def test_one_filler_at_a_time_and_the_lock_says_whether_one_runs(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert not fill.running(settings)
    with fill._fill_lock(settings) as free:
        assert free and fill.running(settings)
        assert fill.fill(settings) is None  # a second filler steps aside
    assert not fill.running(settings)


def test_a_run_on_a_partly_embedded_catalog_says_so(catalog, tmp_path):
    services = bootstrap(Settings(data_dir=tmp_path))
    build_demo(services.repo, products=120, seed=7)
    index_catalog(services.repo, services.backend, vectors=False)
    report = services.sourcer(model=False).source("300 stainless steel travel coffee mugs, under 3 USD each")
    assert report.stats.meaning_coverage == 0.0 and report.lines[0].options  # keywords alone still find the mugs
    assert any("Searched by meaning over 0% of the catalog" in r for r in report.risks)
    fill_vectors(services.repo, services.backend)
    again = services.sourcer(model=False).source("300 stainless steel travel coffee mugs, under 3 USD each")
    assert again.stats.meaning_coverage == 1.0 and not any("Searched by meaning" in r for r in again.risks)


@pytest.mark.slow
def test_the_demo_command_returns_at_once_and_a_background_process_fills_the_vectors(tmp_path, monkeypatch):
    from tradewinds.cli import app

    from tradewinds.settings import get_settings

    monkeypatch.setenv("TRADEWINDS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()
    started = time.monotonic()
    result = runner.invoke(app, ["catalog", "demo", "--products", "150"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30 and "a background process embeds" in result.output
    settings = Settings(data_dir=tmp_path)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and (fill.running(settings) or bootstrap(settings).backend.vector_coverage() < 1.0):
        time.sleep(1)
    assert bootstrap(settings).backend.vector_coverage() == 1.0
    log = (tmp_path / fill.LOG).read_text()
    assert "embedded 150/150 products" in log, log
    stats = runner.invoke(app, ["catalog", "stats"])
    assert "every product (hybrid search)" in stats.output
