"""Publishing a checked listing to a marketplace, only through the action ledger: ``listing.publish`` shows the
marketplace's own validation as its preview, always waits for a person's approval, and can be undone (the listing
taken down).

Adapters speak the marketplaces' API shapes, at any base URL (tests use local servers):

- ``shopify``: the Admin REST API's product create (``POST /admin/api/2024-10/products.json``, the listing as a
  product with its body HTML and tags) and delete;
- ``amazon-*``: Selling Partner API Listings Items 2021-08-01, ``putListingsItem`` (``PUT
  /listings/2021-08-01/items/{sellerId}/{sku}``; ``mode=VALIDATION_PREVIEW`` for the preview, the same call without it
  to publish) and ``deleteListingsItem``.

Settings: ``TRADEWINDS_SHOPIFY_URL`` + ``TRADEWINDS_SHOPIFY_TOKEN``; ``TRADEWINDS_SPAPI_URL`` + ``TRADEWINDS_SPAPI_TOKEN``
+ ``TRADEWINDS_SPAPI_SELLER_ID``. A flagged listing is never sent.
"""

from __future__ import annotations

import html
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ...actions.schemas import Change
from ...actions.types import ActionType
from ...errors import BadInputError, ConfigError
from ...shop.actions import Refused

AMAZON_MARKETPLACES = {"amazon-us": "ATVPDKIKX0DER", "amazon-de": "A1PA6795UKMFR9", "amazon-jp": "A1VC38T7YXB528"}


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    market: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    sku: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$", description="the seller's SKU (letters, digits, . _ -)")
    listing: dict[str, Any] = Field(description="a LocalizedListing with status ok")


def _http(base: str, token: str, header: str) -> httpx.Client:
    return httpx.Client(base_url=base.rstrip("/"), timeout=30, headers={header: token, "Content-Type": "application/json"})


def _ok(r: httpx.Response, what: str) -> dict:
    if r.status_code >= 400:
        raise BadInputError(f"{what}: the marketplace answered {r.status_code}: {r.text[:300]}", hint="see the listing's checks and the market's rules")
    return r.json() if r.content else {}


class Shopify:
    def __init__(self, settings) -> None:
        if not (settings.shopify_url and settings.shopify_token):
            raise ConfigError("no Shopify store to publish to", hint="set TRADEWINDS_SHOPIFY_URL and TRADEWINDS_SHOPIFY_TOKEN")
        self.http = _http(settings.shopify_url, settings.shopify_token.get_secret_value(), "X-Shopify-Access-Token")

    def validate(self, params: PublishIn) -> list[str]:
        return []  # the Admin API has no dry run; the listing's own checks are the preview

    def publish(self, params: PublishIn) -> str:
        item = params.listing
        body = "".join(f"<p>{html.escape(p)}</p>" for p in item["description"].split("\n\n") if p.strip())
        if item["bullets"]:
            body += "<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in item["bullets"]) + "</ul>"
        product = {"product": {"title": item["title"], "body_html": body, "tags": ", ".join(item["keywords"]), "status": "active",
                               "variants": [{"sku": params.sku}], "metafields": [{"namespace": "tradewinds", "key": "ai_generated",
                                                                                  "type": "boolean", "value": "true"}]}}
        return str(_ok(self.http.post("/admin/api/2024-10/products.json", json=product), "Shopify product create")["product"]["id"])

    def unpublish(self, external_id: str) -> None:
        _ok(self.http.delete(f"/admin/api/2024-10/products/{external_id}.json"), "Shopify product delete")


class Amazon:
    def __init__(self, settings, market: str) -> None:
        if not (settings.spapi_url and settings.spapi_token and settings.spapi_seller_id):
            raise ConfigError("no Selling Partner API account to publish to", hint="set TRADEWINDS_SPAPI_URL, TRADEWINDS_SPAPI_TOKEN and TRADEWINDS_SPAPI_SELLER_ID")
        self.http = _http(settings.spapi_url, settings.spapi_token.get_secret_value(), "x-amz-access-token")
        self.seller, self.marketplace = settings.spapi_seller_id, AMAZON_MARKETPLACES[market]

    def _body(self, params: PublishIn) -> dict:
        item, lang = params.listing, params.listing["language"]
        tag = {"language_tag": lang, "marketplace_id": self.marketplace}
        return {"productType": "PRODUCT", "requirements": "LISTING", "attributes": {
            "item_name": [{"value": item["title"], **tag}], "bullet_point": [{"value": b, **tag} for b in item["bullets"]],
            "product_description": [{"value": item["description"], **tag}], "generic_keyword": [{"value": " ".join(item["keywords"]), **tag}]}}

    def _put(self, params: PublishIn, preview: bool) -> dict:
        query = {"marketplaceIds": self.marketplace, **({"mode": "VALIDATION_PREVIEW"} if preview else {})}
        return _ok(self.http.put(f"/listings/2021-08-01/items/{self.seller}/{params.sku}", params=query, json=self._body(params)),
                   "SP-API putListingsItem")

    def validate(self, params: PublishIn) -> list[str]:
        return [f"{i.get('code')}: {i.get('message')}" for i in self._put(params, True).get("issues", []) if i.get("severity") == "ERROR"]

    def publish(self, params: PublishIn) -> str:
        answer = self._put(params, False)
        if answer.get("status") != "ACCEPTED":
            raise BadInputError(f"Amazon did not accept {params.sku}: {answer.get('issues')}")
        return params.sku

    def unpublish(self, external_id: str) -> None:
        _ok(self.http.delete(f"/listings/2021-08-01/items/{self.seller}/{external_id}", params={"marketplaceIds": self.marketplace}),
            "SP-API deleteListingsItem")


def adapter(market: str):
    from ...settings import get_settings

    settings = get_settings()
    if market == "shopify":
        return Shopify(settings)
    if market in AMAZON_MARKETPLACES:
        return Amazon(settings, market)
    raise ConfigError(f"no publishing adapter for {market!r} yet", hint="shopify, amazon-us, amazon-de or amazon-jp")


class PublishListing(ActionType):
    name, effect = "listing.publish", "write"
    params_model = PublishIn
    always_approve = True
    reversible = True

    def counterparty(self, params):
        return f"{params.market}:{params.sku}"

    def plan(self, conn, ws, params):
        item = params.listing
        if item.get("status") != "ok" or item.get("market") != params.market:
            raise Refused(f"listing {item.get('id')} is {item.get('status')} for {item.get('market')}: only a listing that passed its checks for "
                          f"{params.market} is published", rule="not_checked", listing=item.get("id"))
        issues = adapter(params.market).validate(params)
        if issues:
            raise Refused(f"{params.market} would refuse {params.sku}: {'; '.join(issues)}", rule="marketplace_validation", sku=params.sku)
        return Change(summary=f"publish {params.sku} ('{item['title'][:80]}') to {params.market}", after={"published": params.market, "sku": params.sku})

    def apply(self, conn, ws, params, change):
        return {"external_id": adapter(params.market).publish(params), "market": params.market}

    def undo(self, conn, ws, record):
        adapter(record.params["market"]).unpublish(record.result["external_id"])
        return {"taken_down": record.result["external_id"]}
