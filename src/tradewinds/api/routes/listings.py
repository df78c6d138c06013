"""The listing studio over HTTP: the marketplace profiles, a product's claims, the checks of a localized listing,
localizing one product through the gateway, and publishing a checked listing (an action that waits for approval)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ...actions import ActionRequest
from ...actions.schemas import ActionRecord, derived_key
from ...seller.listings.checks import Check, Listing, check
from ...seller.listings.claims import extract
from ...seller.listings.keywords import SearchTerm
from ...seller.listings.localize import LocalizedListing, ProductIn, localize
from ...seller.listings.profiles import MarketProfile, profile, profiles
from ..auth import OPERATOR, VIEWER, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["listings"], dependencies=[VIEWER])
MARKET = r"^[a-z0-9][a-z0-9-]{1,40}$"
LANG = r"^[a-z]{2}$"


class ClaimOut(BaseModel):
    kind: str
    value: str
    text: str


class ClaimsIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class CheckIn(BaseModel):
    source: str = Field(min_length=1, max_length=20_000, description="the source product's title and description")
    listing: Listing
    market: str = Field(pattern=MARKET)
    language: str = Field(pattern=LANG)


class CheckOut(BaseModel):
    ok: bool
    checks: list[Check]


class LocalizeIn(BaseModel):
    product: ProductIn
    market: str = Field(pattern=MARKET)
    language: str = Field(pattern=LANG)
    search_terms: list[SearchTerm] = Field(default_factory=list, max_length=10_000)


class PublishIn(BaseModel):
    listing: LocalizedListing
    sku: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")


def _markets(services) -> dict[str, MarketProfile]:
    return profiles(services.settings.data_dir / "markets")


@router.get("/v1/listings/markets", response_model=list[MarketProfile], summary="The marketplace profiles (shipped, and the instance's own)")
def markets(services: ServicesDep) -> list[MarketProfile]:
    return list(_markets(services).values())


@router.post("/v1/listings/claims", response_model=list[ClaimOut], summary="A product's claims, read deterministically")
def claims(body: ClaimsIn) -> list[ClaimOut]:
    return [ClaimOut(kind=c.kind, value=c.value, text=c.text) for c in extract(body.text)]


@router.post("/v1/listings/checks", response_model=CheckOut, summary="Check a localized listing against its source and its market")
def run_checks(body: CheckIn, services: ServicesDep) -> CheckOut:
    report = check(body.source, body.listing, profile(body.market, services.settings.data_dir / "markets"), body.language)
    return CheckOut(ok=report.ok, checks=report.checks)


@router.post("/v1/listings/localizations", response_model=LocalizedListing, dependencies=[OPERATOR],
             summary="Localize one product: written by the model, checked, repaired, flagged when it still fails")
def localize_one(body: LocalizeIn, services: ServicesDep) -> LocalizedListing:
    market = profile(body.market, services.settings.data_dir / "markets")
    return localize(body.product, market, body.language, services.gateway(), search_terms=body.search_terms or None)


@router.post("/v1/listings/publications", response_model=ActionRecord, dependencies=[OPERATOR], status_code=202,
             summary="Ask to publish a checked listing: a listing.publish action, previewed by the marketplace, waiting for approval")
def publish(body: PublishIn, services: ServicesDep, principal: PrincipalDep) -> ActionRecord:
    return services.ledger.submit(ActionRequest(workspace_id=principal.workspace_id, type="listing.publish", actor=principal.actor,
                                                idempotency_key=derived_key("listing", body.listing.market, body.sku, body.listing.id),
                                                params={"market": body.listing.market, "sku": body.sku, "listing": body.listing.model_dump(mode="json")}))
