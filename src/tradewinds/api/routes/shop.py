"""The workspace's shop over HTTP: orders (with their shipments' tracking), customers, the after-sales policy."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from ...shop.policy import AfterSalesPolicy
from ...shop.schemas import ORDER_STATUSES, Customer, Order
from ..auth import ADMIN, SUPPORT, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["shop"], dependencies=[SUPPORT])
RECORD_ID = r"^[A-Za-z0-9#_.:@+-]{1,80}$"
Status = Literal[ORDER_STATUSES]  # type: ignore[valid-type]


class OrdersPage(BaseModel):
    total: int = Field(description="orders matching, all pages")
    orders: list[Order]


class CustomerOut(Customer):
    order_ids: list[str]


class PolicyOut(BaseModel):
    version: int = Field(description="0: the default policy, never set")
    policy: AfterSalesPolicy
    text: str = Field(description="what customers are shown, rendered from the policy")


@router.get("/v1/shop/orders", response_model=OrdersPage, summary="The shop's orders, newest first (or one customer's)")
def list_orders(services: ServicesDep, principal: PrincipalDep, status: Status | None = None,
                customer_id: str | None = Query(None, pattern=RECORD_ID), limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0, le=10_000_000)) -> OrdersPage:
    shop = services.shop(principal.workspace_id)
    ids = shop.order_ids(customer_id, status=status, limit=limit, offset=offset)
    by_id = {o.id: o for o in shop.orders(ids)}
    return OrdersPage(total=shop.count_orders(customer_id, status=status), orders=[by_id[i] for i in ids])


@router.get("/v1/shop/orders/{order_id}", response_model=Order, summary="One order: items at the price paid, payments, shipments and tracking")
def get_order(services: ServicesDep, principal: PrincipalDep, order_id: str = Path(pattern=RECORD_ID)) -> Order:
    return services.shop(principal.workspace_id).order(order_id)


@router.get("/v1/shop/customers/{customer_id}", response_model=CustomerOut, summary="One customer, their payment methods and order ids")
def get_customer(services: ServicesDep, principal: PrincipalDep, customer_id: str = Path(pattern=RECORD_ID)) -> CustomerOut:
    shop = services.shop(principal.workspace_id)
    return CustomerOut(**shop.customer(customer_id).model_dump(), order_ids=shop.order_ids(customer_id))


@router.get("/v1/shop/policy", response_model=PolicyOut, summary="The after-sales policy in force, and its text for customers")
def get_policy(services: ServicesDep, principal: PrincipalDep, lang: Literal["en", "es", "zh"] = "en") -> PolicyOut:
    version, policy = services.policies.current(principal.workspace_id)
    return PolicyOut(version=version, policy=policy, text=policy.render(lang))


@router.put("/v1/shop/policy", response_model=PolicyOut, dependencies=[ADMIN],
            summary="Put a new after-sales policy in force (a new version, audited; the same policy again changes nothing)")
def set_policy(body: AfterSalesPolicy, services: ServicesDep, principal: PrincipalDep) -> PolicyOut:
    version = services.policies.save(principal.workspace_id, body, by=principal.actor)
    return PolicyOut(version=version, policy=body, text=body.render("en"))
