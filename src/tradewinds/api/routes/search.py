from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ...search.schemas import MAX_LEAD_TIME_DAYS, MAX_QUANTITY, SearchFilters, SearchRequest, SearchResponse
from ..auth import VIEWER, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["search"], dependencies=[VIEWER])


@router.get("/v1/search", response_model=SearchResponse, summary="Search offers with hard filters and hybrid ranking")
def search(
    services: ServicesDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="Query in any language")],
    qty: Annotated[int | None, Query(ge=1, le=MAX_QUANTITY, description="Order quantity (MOQ <= qty, price at this tier)")] = None,
    max_price: Annotated[float | None, Query(gt=0, description="Max unit price at qty (or MOQ)")] = None,
    currency: str = "USD",
    cert: Annotated[list[str] | None, Query(description="Required certifications (repeat or comma-separate)")] = None,
    country: Annotated[list[str] | None, Query(description="Supplier country in")] = None,
    exclude_country: Annotated[list[str] | None, Query()] = None,
    max_lead_time: Annotated[int | None, Query(ge=0, le=MAX_LEAD_TIME_DAYS)] = None,
    incoterm: Annotated[list[str] | None, Query()] = None,
    hs: Annotated[str | None, Query(pattern=r"^\d{2,6}$")] = None,
    verified: bool = False,
    mode: Literal["hybrid", "lexical", "dense"] = "hybrid",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    facets: bool = True,
) -> SearchResponse:
    filters = SearchFilters.from_params(qty=qty, max_price=max_price, currency=currency, cert=cert, country=country,
                                        exclude_country=exclude_country, max_lead_time=max_lead_time, incoterm=incoterm, hs=hs,
                                        verified=verified)
    return services.search.scoped(principal.workspace_id).search(SearchRequest(text=q, filters=filters, limit=limit, mode=mode, facets=facets))
