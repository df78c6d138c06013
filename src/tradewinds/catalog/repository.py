"""The catalog repository: the only code that talks SQL about products, offers and suppliers.

A repository is bound to what one workspace sees (:meth:`CatalogRepository.scoped`): the shared catalog and that
workspace's own imports. Every read goes through that scope, so no caller can forget it; an unscoped repository
(``workspace_id=None``: indexing jobs, migrations) sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from ..errors import NotFoundError
from .db import Base, OfferRow, ProductRow, SupplierRow
from .ids import kind_of
from .schemas import Offer, Product, Supplier

_ROWS = {"sup": (SupplierRow, Supplier), "prd": (ProductRow, Product), "off": (OfferRow, Offer)}


def _upsert(conn: Connection, table: type[Base], rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = conn.dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    stmt = insert(table)
    update = {c.name: stmt.excluded[c.name] for c in table.__table__.columns if c.name != "id"}
    conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=update), list(rows))
    return len(rows)


class CatalogRepository:
    def __init__(self, engine: Engine, *, workspace_id: str | None = None) -> None:
        self.engine = engine
        self.workspace_id = workspace_id

    def scoped(self, workspace_id: str) -> CatalogRepository:
        """The same catalog as ``workspace_id`` sees it: the shared records and its own imports, nobody else's."""
        return CatalogRepository(self.engine, workspace_id=workspace_id)

    def _visible(self, query, *row_types):
        if self.workspace_id is None:
            return query
        for row_type in row_types:
            query = query.where(or_(row_type.workspace_id.is_(None), row_type.workspace_id == self.workspace_id))
        return query

    # -- writes ---------------------------------------------------------------
    def upsert(self, *, suppliers: Sequence[dict] = (), products: Sequence[dict] = (), offers: Sequence[dict] = (),
               conn: Connection | None = None) -> tuple[int, int, int]:
        """Insert or update rows (dicts shaped like the tables) in one transaction."""
        if conn is None:
            with self.engine.begin() as c:
                return self.upsert(suppliers=suppliers, products=products, offers=offers, conn=c)
        return (_upsert(conn, SupplierRow, suppliers), _upsert(conn, ProductRow, products),
                _upsert(conn, OfferRow, offers))

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        for kind, (row, _) in _ROWS.items():
            wanted = [i for i in ids if kind_of(i) == kind]
            for start in range(0, len(wanted), 500):
                with self.engine.connect() as conn:
                    found.update(conn.scalars(select(row.id).where(row.id.in_(wanted[start:start + 500]))))
        return found

    # -- reads ----------------------------------------------------------------
    def get(self, citable_id: str) -> Supplier | Product | Offer:
        kind = kind_of(citable_id)
        if kind is None:
            raise NotFoundError(f"{citable_id!r} is not a catalog id", hint="ids start with prd_, sup_ or off_")
        row_type, model = _ROWS[kind]
        with self.engine.connect() as conn:
            row = conn.execute(self._visible(select(row_type).where(row_type.id == citable_id), row_type)).mappings().first()
        if row is None:
            raise NotFoundError(f"no {model.__name__.lower()} with id {citable_id!r}",
                                hint="search the catalog with `tradewinds search` to find valid ids")
        return model.model_validate(dict(row))

    def get_many(self, ids: Iterable[str]) -> dict[str, Supplier | Product | Offer]:
        """The records that exist among ``ids`` (any kinds), keyed by id; unknown ids are left out."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, Supplier | Product | Offer] = {}
        with self.engine.connect() as conn:
            for kind, (row_type, model) in _ROWS.items():
                wanted = [i for i in ids if kind_of(i) == kind]
                for start in range(0, len(wanted), 500):
                    query = self._visible(select(row_type).where(row_type.id.in_(wanted[start:start + 500])), row_type)
                    for row in conn.execute(query).mappings():
                        out[row["id"]] = model.model_validate(dict(row))
        return out

    def offers_for_product(self, product_id: str) -> list[Offer]:
        with self.engine.connect() as conn:
            rows = conn.execute(self._visible(select(OfferRow).where(OfferRow.product_id == product_id), OfferRow)).mappings().all()
        return [Offer.model_validate(dict(r)) for r in rows]

    def categories(self) -> list[tuple[str, str | None, int]]:
        """(category path, most common HS code, products) for every category that has offers."""
        query = self._visible(select(ProductRow.category, ProductRow.hs_code, func.count(func.distinct(ProductRow.id)))
                              .join(OfferRow, OfferRow.product_id == ProductRow.id).where(ProductRow.category.is_not(None)),
                              ProductRow, OfferRow).group_by(ProductRow.category, ProductRow.hs_code)
        best: dict[str, tuple[str | None, int, int]] = {}
        with self.engine.connect() as conn:
            for category, hs, n in conn.execute(query):
                code, top, total = best.get(category, (None, 0, 0))
                best[category] = (hs, n, total + n) if n > top else (code, top, total + n)
        return sorted((c, hs, total) for c, (hs, _, total) in best.items())

    def category_titles(self, per_category: int = 200) -> dict[str, list[tuple[str, str]]]:
        """Up to ``per_category`` (title, language) per category: the words each kind of product is sold under."""
        out: dict[str, list[tuple[str, str]]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(self._visible(select(ProductRow.category, ProductRow.title, ProductRow.language)
                                              .where(ProductRow.category.is_not(None)), ProductRow).order_by(ProductRow.id))
            for category, title, language in rows:
                bucket = out.setdefault(category, [])
                if len(bucket) < per_category:
                    bucket.append((title, language))
        return out

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {name: conn.scalar(self._visible(select(func.count()).select_from(row), row)) or 0
                    for name, row in (("suppliers", SupplierRow), ("products", ProductRow), ("offers", OfferRow))}

    def product_ranges(self, size: int) -> list[tuple[str, str, int]]:
        """Products that have offers, in id order, cut into ranges of ``size`` products:
        (first product id, last product id, offers in the range). Work units for batch jobs: all of a
        product's offers fall in one range, so its text is embedded once."""
        ranges: list[tuple[str, str, int]] = []
        query = select(OfferRow.product_id, func.count()).group_by(OfferRow.product_id).order_by(OfferRow.product_id)
        with self.engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=50_000).execute(query)
            for part in rows.partitions(size):
                ranges.append((part[0][0], part[-1][0], sum(n for _, n in part)))
        return ranges

    def iter_offer_records(self, batch_size: int = 5000, offer_ids: Sequence[str] | None = None,
                           product_range: tuple[str, str] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Offers (all, those ids, or those of products first..last inclusive) joined with their product
        and supplier, in id order, for indexing."""
        if offer_ids is not None:
            for start in range(0, len(offer_ids), batch_size):
                yield from self._offer_records(batch_size, list(offer_ids[start:start + batch_size]))
            return
        yield from self._offer_records(batch_size, None, product_range)

    def offers_in_categories(self, categories: Sequence[str], limit: int = 20_000) -> list[dict[str, Any]]:
        """Offer records (joined like ``iter_offer_records``) of the products in these categories."""
        out: list[dict[str, Any]] = []
        for batch in self._offer_records(5000, None, categories=list(categories)):
            out.extend(batch)
            if len(out) >= limit:
                break
        return out[:limit]

    def _offer_records(self, batch_size: int, ids: list[str] | None,
                       product_range: tuple[str, str] | None = None, categories: list[str] | None = None) -> Iterator[list[dict[str, Any]]]:
        cols = [OfferRow.id, OfferRow.product_id, OfferRow.supplier_id, OfferRow.currency, OfferRow.price_tiers,
                OfferRow.moq, OfferRow.lead_time_days, OfferRow.incoterm, OfferRow.ship_from_country,
                OfferRow.certifications.label("offer_certifications"), OfferRow.sample_available,
                ProductRow.title, ProductRow.description, ProductRow.brand, ProductRow.model_number,
                ProductRow.attributes, ProductRow.category, ProductRow.hs_code, ProductRow.language,
                SupplierRow.name.label("supplier_name"), SupplierRow.country.label("supplier_country"),
                SupplierRow.certifications.label("supplier_certifications"), SupplierRow.verified, OfferRow.workspace_id]
        query = (select(*cols).join(ProductRow, ProductRow.id == OfferRow.product_id)
                 .join(SupplierRow, SupplierRow.id == OfferRow.supplier_id).order_by(OfferRow.id))
        if ids is not None:
            query = query.where(OfferRow.id.in_(ids))
        if product_range is not None:
            query = query.where(OfferRow.product_id.between(*product_range))
        if categories is not None:
            query = query.where(ProductRow.category.in_(categories))
        query = self._visible(query, OfferRow)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(query).mappings()
            for part in result.partitions(batch_size):
                yield [dict(r) for r in part]

