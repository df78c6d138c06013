from __future__ import annotations

from fastapi import APIRouter, Path
from pydantic import BaseModel

from ...catalog.schemas import Offer, Product, Supplier
from ...errors import NotFoundError
from ..deps import ServicesDep

router = APIRouter(tags=["catalog"])


class ProductWithOffers(Product):
    offers: list[Offer]


class CatalogStats(BaseModel):
    suppliers: int
    products: int
    offers: int
    indexed_offers: int


def _get(services, record_id: str, kind: type):
    record = services.repo.get(record_id)
    if not isinstance(record, kind):
        raise NotFoundError(f"{record_id!r} is not a {kind.__name__.lower()} id")
    return record


@router.get("/v1/products/{product_id}", response_model=ProductWithOffers)
def get_product(services: ServicesDep, product_id: str = Path(pattern=r"^prd_[a-z2-7]{16}$")) -> ProductWithOffers:
    product = _get(services, product_id, Product)
    return ProductWithOffers(**product.model_dump(), offers=services.repo.offers_for_product(product_id))


@router.get("/v1/suppliers/{supplier_id}", response_model=Supplier)
def get_supplier(services: ServicesDep, supplier_id: str = Path(pattern=r"^sup_[a-z2-7]{16}$")) -> Supplier:
    return _get(services, supplier_id, Supplier)


@router.get("/v1/offers/{offer_id}", response_model=Offer)
def get_offer(services: ServicesDep, offer_id: str = Path(pattern=r"^off_[a-z2-7]{16}$")) -> Offer:
    return _get(services, offer_id, Offer)


@router.get("/v1/catalog/stats", response_model=CatalogStats)
def stats(services: ServicesDep) -> CatalogStats:
    return CatalogStats(**services.repo.counts(), indexed_offers=services.backend.count())
