"""The shop's pages: orders (filter by status), one order with its items, payments and each shipment's tracking
timeline, one customer with their orders. Customer records are for the support role and above."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ..api.auth import SUPPORT, PrincipalDep
from ..api.deps import ServicesDep
from ..shop.schemas import ORDER_STATUSES
from .pages import page

router = APIRouter(include_in_schema=False, dependencies=[SUPPORT])
PAGE = 50


@router.get("/shop", response_class=HTMLResponse)
def orders_page(request: Request, services: ServicesDep, principal: PrincipalDep, status: str = "",
                page_no: int = Query(1, alias="page", ge=1, le=100_000)) -> HTMLResponse:
    shop = services.shop(principal.workspace_id)
    wanted = status if status in ORDER_STATUSES else None
    ids = shop.order_ids(status=wanted, limit=PAGE, offset=(page_no - 1) * PAGE)
    by_id = {o.id: o for o in shop.orders(ids)}
    total = shop.count_orders(status=wanted)
    return page(request, "shop_orders.html", nav="shop", orders=[by_id[i] for i in ids], total=total, status=wanted or "",
                statuses=ORDER_STATUSES, page_no=page_no, pages=max(1, -(-total // PAGE)), counts=shop.counts(),
                policy_version=services.policies.current(principal.workspace_id)[0])


@router.get("/shop/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    shop = services.shop(principal.workspace_id)
    order = shop.order(order_id)
    return page(request, "shop_order.html", nav="shop", order=order, customer=shop.customers([order.customer_id]))


@router.get("/shop/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    shop = services.shop(principal.workspace_id)
    customer = shop.customer(customer_id)
    return page(request, "shop_customer.html", nav="shop", customer=customer, orders=shop.orders(shop.order_ids(customer_id)),
                content_lang=None)
