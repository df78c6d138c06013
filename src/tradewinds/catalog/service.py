"""Catalog use cases: build the demo catalog, (re)index the catalog into a search backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..search.backend import Progress, SearchBackend
from ..search.schemas import SearchDocument
from .demo.generator import generate
from .repository import CatalogRepository

def build_demo(repo: CatalogRepository, *, products: int, seed: int = 7, progress: Progress | None = None) -> dict[str, int]:
    totals = {"suppliers": 0, "products": 0, "offers": 0}
    for batch in generate(products, seed=seed):
        s, p, o = repo.upsert(suppliers=batch.suppliers, products=batch.products, offers=batch.offers)
        totals["suppliers"] += s
        totals["products"] += p
        totals["offers"] += o
        if progress:
            progress(p)
    return totals


def _attributes_text(attrs: list[dict]) -> str:
    return "; ".join(f"{a['name']} {a['value']}{' ' + a['unit'] if a.get('unit') else ''}" for a in attrs or [])


def to_document(r: dict) -> SearchDocument:
    certs = sorted(set(r["offer_certifications"] or []) | set(r["supplier_certifications"] or []))
    return SearchDocument(
        offer_id=r["id"], product_id=r["product_id"], supplier_id=r["supplier_id"], title=r["title"],
        text=f"{r['description'] or ''} {_attributes_text(r['attributes'])}"[:4000], brand=r["brand"],
        model_number=r["model_number"], category=r["category"], hs_code=r["hs_code"], language=r["language"],
        currency=r["currency"], price_tiers=[(t["min_qty"], t["unit_price"]) for t in r["price_tiers"]], moq=r["moq"],
        lead_time_days=r["lead_time_days"], incoterm=r["incoterm"], supplier_country=r["supplier_country"],
        supplier_name=r["supplier_name"], certifications=certs, verified=bool(r["verified"]),
        workspace_id=r.get("workspace_id"),
    )


def catalog_documents(repo: CatalogRepository, offer_ids: Sequence[str] | None = None,
                      product_range: tuple[str, str] | None = None) -> Iterator[SearchDocument]:
    for batch in repo.iter_offer_records(offer_ids=offer_ids, product_range=product_range):
        yield from (to_document(r) for r in batch)


def index_catalog(repo: CatalogRepository, backend: SearchBackend, *, progress: Progress | None = None,
                  offer_ids: Sequence[str] | None = None, vectors: bool = True) -> int:
    """Index every offer, or only ``offer_ids`` (after an import); ``vectors=False``: keywords now, vectors
    later by :func:`fill_vectors` (``tradewinds catalog vectors``)."""
    return backend.index(catalog_documents(repo, offer_ids), progress=progress, vectors=vectors)


def fill_vectors(repo: CatalogRepository, backend: SearchBackend, *, progress: Progress | None = None) -> int:
    """Embed the products an index left without vectors; returns how many it embedded."""
    return backend.fill_vectors(catalog_documents(repo), progress=progress)
