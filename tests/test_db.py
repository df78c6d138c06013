import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tradewinds.db import make_engine, metadata
from tradewinds.catalog.demo.generator import generate
from tradewinds.catalog.repository import CatalogRepository
from tradewinds.errors import NotFoundError



def test_migrations_match_the_orm_models(engine):
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
        diff = compare_metadata(MigrationContext.configure(conn), metadata())
    assert diff == []
    assert {"suppliers", "products", "offers", "actions", "audit_events", "users", "api_keys"} <= set(inspect(engine).get_table_names())


def test_upsert_is_idempotent_and_updates(engine):
    repo = CatalogRepository(engine)
    batch = next(generate(50, seed=1))
    repo.upsert(suppliers=batch.suppliers, products=batch.products, offers=batch.offers)
    counts = repo.counts()
    changed = dict(batch.products[0], title="Renamed espresso machine")
    repo.upsert(suppliers=batch.suppliers, products=[changed, *batch.products[1:]], offers=batch.offers)
    assert repo.counts() == counts
    assert repo.get(changed["id"]).title == "Renamed espresso machine"
    offers = repo.offers_for_product(changed["id"])
    assert offers and all(o.product_id == changed["id"] for o in offers)


def test_unknown_ids_raise_not_found_with_a_hint(engine):
    repo = CatalogRepository(engine)
    with pytest.raises(NotFoundError, match="no product with id"):
        repo.get("prd_aaaaaaaaaaaaaaaa")
    with pytest.raises(NotFoundError, match="not a catalog id"):
        repo.get("xyz")


def test_bad_database_url_is_a_config_error():
    from tradewinds.errors import ConfigError

    with pytest.raises(ConfigError, match="TRADEWINDS_DATABASE_URL"):
        make_engine("nosuchdb://x")
