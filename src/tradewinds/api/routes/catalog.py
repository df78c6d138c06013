from __future__ import annotations

import re
import tempfile
from pathlib import Path as FsPath
from pathlib import PurePath

import anyio
from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from ...catalog.importers import get_format, guess_format, run_import
from ...catalog.schemas import ImportReport, Offer, Product, Supplier
from ...catalog.service import index_catalog
from ...errors import BadInputError, NotFoundError
from ...jobs import vectors as fill
from ..auth import OPERATOR, VIEWER, AccountsDep, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["catalog"], dependencies=[VIEWER])


class ProductWithOffers(Product):
    offers: list[Offer]


class CatalogStats(BaseModel):
    suppliers: int
    products: int
    offers: int
    indexed_offers: int
    vector_coverage: float = Field(description="Share of products searchable by meaning; the rest are found by keywords")
    vectors_filling: bool = Field(description="A background process is embedding the rest")


def _get(services, principal, record_id: str, kind: type):
    record = services.repo.scoped(principal.workspace_id).get(record_id)
    if not isinstance(record, kind):
        raise NotFoundError(f"{record_id!r} is not a {kind.__name__.lower()} id")
    return record


def _wants_page(request: Request) -> bool:
    """A browser following a report's link asks for HTML first: it gets the record's page, not JSON."""
    return request.headers.get("accept", "").startswith("text/html")


@router.get("/v1/products/{product_id}", response_model=ProductWithOffers, responses={303: {"description": "to the page, for a browser"}})
def get_product(request: Request, services: ServicesDep, principal: PrincipalDep, product_id: str = Path(pattern=r"^prd_[a-z2-7]{16}$")) -> ProductWithOffers:
    if _wants_page(request):
        return RedirectResponse(f"/products/{product_id}", status_code=303)
    product = _get(services, principal, product_id, Product)
    return ProductWithOffers(**product.model_dump(), offers=services.repo.scoped(principal.workspace_id).offers_for_product(product_id))


@router.get("/v1/suppliers/{supplier_id}", response_model=Supplier, responses={303: {"description": "to the page, for a browser"}})
def get_supplier(request: Request, services: ServicesDep, principal: PrincipalDep, supplier_id: str = Path(pattern=r"^sup_[a-z2-7]{16}$")) -> Supplier:
    if _wants_page(request):
        return RedirectResponse(f"/suppliers/{supplier_id}", status_code=303)
    return _get(services, principal, supplier_id, Supplier)


@router.get("/v1/offers/{offer_id}", response_model=Offer, responses={303: {"description": "to the page, for a browser"}})
def get_offer(request: Request, services: ServicesDep, principal: PrincipalDep, offer_id: str = Path(pattern=r"^off_[a-z2-7]{16}$")) -> Offer:
    if _wants_page(request):
        return RedirectResponse(f"/offers/{offer_id}", status_code=303)
    return _get(services, principal, offer_id, Offer)


@router.get("/v1/catalog/stats", response_model=CatalogStats)
def stats(services: ServicesDep, principal: PrincipalDep) -> CatalogStats:
    return CatalogStats(**services.repo.scoped(principal.workspace_id).counts(), indexed_offers=services.backend.count(principal.workspace_id),
                        vector_coverage=round(services.backend.vector_coverage(), 4), vectors_filling=fill.running(services.settings))


@router.post("/v1/catalog/imports", response_model=ImportReport, dependencies=[OPERATOR],
             summary="Import a catalog file into the workspace's own catalog (only it sees these offers); bad rows are reported, valid rows written")
async def import_catalog(services: ServicesDep, principal: PrincipalDep, accounts: AccountsDep, file: UploadFile = File(..., description="CSV, JSONL, Merchant Center TSV/XML, Shopify CSV"),
                         format: str | None = Form(None, description="csv, jsonl, gmc-tsv, gmc-xml, shopify (default: from the file)"),
                         strict: bool = Form(False, description="Refuse the whole file if any row is bad"),
                         supplier_name: str | None = Form(None, description="Supplier of a Merchant Center / Shopify feed"),
                         supplier_country: str | None = Form(None, description="Its ISO country code")) -> ImportReport:
    return await run_upload(services, accounts, principal, file, format or None, strict=strict, supplier_name=supplier_name or None,
                            supplier_country=supplier_country or None)


async def run_upload(services, accounts, principal, file: UploadFile, fmt: str | None, *, strict: bool = False,
                     supplier_name: str | None = None, supplier_country: str | None = None) -> ImportReport:
    """Shared by the API and the web page: save the upload, import it into the principal's workspace, index the offers
    written. The bytes count against the workspace's upload quota."""
    limit = services.settings.max_import_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise BadInputError(f"{file.filename}: above the {limit:,}-byte import limit", hint="split the file or raise TRADEWINDS_MAX_IMPORT_BYTES")
    await anyio.to_thread.run_sync(accounts.charge_upload, principal.workspace_id, len(data))
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", PurePath(file.filename or "catalog.csv").name)[:80] or "catalog.csv"

    def work() -> ImportReport:  # parsing, writing and indexing are CPU and disk work: off the event loop
        with tempfile.TemporaryDirectory(prefix="tw-import-") as tmp:
            path = FsPath(tmp) / name
            path.write_bytes(data)
            report = run_import(path, get_format(fmt or guess_format(path)), services.repo, settings=services.settings, strict=strict,
                                supplier_defaults={"name": supplier_name, "country": supplier_country},
                                workspace_id=principal.workspace_id)
        if report.offer_ids:
            index_catalog(services.repo, services.backend, offer_ids=report.offer_ids)
        return report

    return await anyio.to_thread.run_sync(work)
