"""The shop: importers (tau-bench's layout, tau2's db.json, the shop's own JSONL) into a real database, read back,
exported in tau-bench's layout unchanged, per workspace; the after-sales policy as versioned data."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from tradewinds.accounts import Actor, Role
from tradewinds.actions import audit
from tradewinds.db import open_database
from tradewinds.errors import BadInputError, NotFoundError
from tradewinds.shop import ShopRepository
from tradewinds.shop.importers import import_shop
from tradewinds.shop.policy import AfterSalesPolicy, CategoryRule, PolicyStore

USERS = {
    "mia_lopez_1001": {"name": {"first_name": "Mia", "last_name": "Lopez"}, "email": "mia.lopez@example.com",
                       "address": {"address1": "12 Harbour Rd", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"},
                       "payment_methods": {"gift_card_1": {"source": "gift_card", "balance": 60.5, "id": "gift_card_1"},
                                           "credit_card_2": {"source": "credit_card", "brand": "visa", "last_four": "4242", "id": "credit_card_2"}},
                       "orders": ["#W0000002", "#W0000001"]},
    "ken_sato_2002": {"name": {"first_name": "Ken", "last_name": "Sato"}, "email": "ken@example.com",
                      "address": {"address1": "3-1 Chuo", "address2": "Apt 4", "city": "Osaka", "country": "Japan", "state": "", "zip": "5300001"},
                      "payment_methods": {"paypal_3": {"source": "paypal", "id": "paypal_3"}}, "orders": ["#W0000003"]},
}
PRODUCTS = {
    "100": {"name": "Water Bottle", "product_id": "100", "variants": {
        "1001": {"item_id": "1001", "options": {"capacity": "500ml", "color": "blue"}, "available": True, "price": 19.99},
        "1002": {"item_id": "1002", "options": {"capacity": "1000ml", "color": "blue"}, "available": False, "price": 24.5}}},
    "200": {"name": "Desk Lamp", "product_id": "200", "variants": {
        "2001": {"item_id": "2001", "options": {"color": "white"}, "available": True, "price": 45}}},
}
ORDERS = {
    "#W0000001": {"order_id": "#W0000001", "user_id": "mia_lopez_1001", "address": USERS["mia_lopez_1001"]["address"],
                  "items": [{"name": "Water Bottle", "product_id": "100", "item_id": "1001", "price": 19.99, "options": {"capacity": "500ml", "color": "blue"}},
                            {"name": "Desk Lamp", "product_id": "200", "item_id": "2001", "price": 45.0, "options": {"color": "white"}}],
                  "fulfillments": [{"tracking_id": ["TRK123"], "item_ids": ["1001", "2001"]}], "status": "delivered",
                  "payment_history": [{"transaction_type": "payment", "amount": 64.99, "payment_method_id": "credit_card_2"}]},
    "#W0000002": {"order_id": "#W0000002", "user_id": "mia_lopez_1001", "address": USERS["mia_lopez_1001"]["address"],
                  "items": [{"name": "Water Bottle", "product_id": "100", "item_id": "1001", "price": 19.99, "options": {"capacity": "500ml", "color": "blue"}}],
                  "fulfillments": [], "status": "cancelled", "cancel_reason": "ordered by mistake",
                  "payment_history": [{"transaction_type": "payment", "amount": 19.99, "payment_method_id": "gift_card_1"},
                                      {"transaction_type": "refund", "amount": 19.99, "payment_method_id": "gift_card_1"}]},
    "#W0000003": {"order_id": "#W0000003", "user_id": "ken_sato_2002", "address": USERS["ken_sato_2002"]["address"],
                  "items": [{"name": "Desk Lamp", "product_id": "200", "item_id": "2001", "price": 45.0, "options": {"color": "white"}}],
                  "fulfillments": [], "status": "pending",
                  "payment_history": [{"transaction_type": "payment", "amount": 45.0, "payment_method_id": "paypal_3"}]},
}


def _tau_dir(path, users=USERS, orders=ORDERS, products=PRODUCTS):
    path.mkdir(parents=True, exist_ok=True)
    for name, data in (("users", users), ("orders", orders), ("products", products)):
        (path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path / 'shop.db'}")


def test_a_tau_bench_shop_imports_and_exports_unchanged_and_again_changes_nothing(engine, tmp_path):
    shop = ShopRepository(engine, "acme")
    report = import_shop(shop, _tau_dir(tmp_path / "tau"))
    assert (report.format, report.customers, report.products, report.orders, report.errors) == ("tau", 2, 2, 3, [])
    expected = {"users": USERS, "orders": ORDERS, "products": PRODUCTS}
    assert shop.export_tau() == expected  # ids, order lists, positions, money, after-sales fields: all as they were
    import_shop(shop, tmp_path / "tau")
    assert shop.export_tau() == expected and shop.counts()["orders"] == 3
    order = shop.order("#W0000002")
    assert order.details == {"cancel_reason": "ordered by mistake"} and order.transactions[1].amount == Decimal("19.99")
    assert shop.customer("mia_lopez_1001").payment_methods[0].balance == Decimal("60.50")
    assert shop.order_ids("mia_lopez_1001") == ["#W0000002", "#W0000001"]  # the customer's own order


def test_each_workspace_has_its_own_shop(engine, tmp_path):
    a, b = ShopRepository(engine, "a"), ShopRepository(engine, "b")
    import_shop(a, _tau_dir(tmp_path / "tau"))
    assert b.counts()["orders"] == 0
    with pytest.raises(NotFoundError):
        b.order("#W0000001")
    import_shop(b, tmp_path / "tau")
    changed = a.order("#W0000003").model_copy(update={"status": "cancelled"})
    a.write(orders=[changed])
    assert a.order("#W0000003").status == "cancelled" and b.order("#W0000003").status == "pending"


def test_bad_records_are_named_and_skipped_the_good_ones_written(engine, tmp_path):
    users, orders = copy.deepcopy(USERS), copy.deepcopy(ORDERS)
    users["ken_sato_2002"]["payment_methods"]["paypal_3"]["source"] = "bitcoin"
    orders["#W0000001"]["status"] = "teleported"
    orders["#W0000009"] = {**orders["#W0000003"], "order_id": "#W0000009", "user_id": "nobody_9"}
    shop = ShopRepository(engine, "acme")
    report = import_shop(shop, _tau_dir(tmp_path / "bad", users=users, orders=orders))
    errors = {(e["file"].rsplit("/", 1)[-1], e["row"], e["field"]) for e in report.errors}
    assert ("users.json", "ken_sato_2002", "payment_methods.0.kind") in errors
    assert ("orders.json", "#W0000001", "status") in errors
    assert any(e["row"] == "#W0000009" and e["field"] == "customer_id" and "nobody_9" in e["message"] for e in report.errors)
    assert shop.counts()["customers"] == 1 and shop.order_ids() == ["#W0000002"]  # Ken's order has no customer, so neither is in


def test_tau2_db_json_and_the_shops_own_jsonl(engine, tmp_path):
    (tmp_path / "db.json").write_text(json.dumps({"users": {k: {"user_id": k, **v} for k, v in USERS.items()}, "orders": ORDERS,
                                                  "products": PRODUCTS}), encoding="utf-8")
    shop = ShopRepository(engine, "tau2")
    assert import_shop(shop, tmp_path / "db.json").orders == 3
    lines = [
        {"type": "customer", "id": "c_de_1", "first_name": "Jonas", "last_name": "Becker", "email": "jonas@example.de", "language": "de",
         "address": {"address1": "Hauptstr. 5", "city": "Köln", "country": "DE", "zip": "50667"},
         "payment_methods": [{"id": "card_1", "kind": "credit_card", "details": {"brand": "visa", "last_four": "1111"}}]},
        {"type": "product", "id": "p_1", "name": "Car Charger 12 V", "category": "Electronics", "attributes": {"input voltage": "12-24 V"},
         "variants": [{"item_id": "v_1", "options": {"ports": "2"}, "price": "14.90", "currency": "EUR"}]},
        {"type": "order", "id": "DE-1001", "customer_id": "c_de_1", "status": "Shipped", "currency": "EUR",
         "address": {"address1": "Hauptstr. 5", "city": "Köln", "country": "DE", "zip": "50667"},
         "items": [{"item_id": "v_1", "product_id": "p_1", "name": "Car Charger 12 V", "price": "14.90"}],
         "shipments": [{"id": "DE-1001-1", "carrier": "DHL", "tracking_numbers": ["JJD000123"], "item_ids": ["v_1"], "events": [
             {"at": "2026-11-20T09:00:00+01:00", "status": "picked_up", "location": "Shenzhen"},
             {"at": "2026-11-24T14:10:00+01:00", "status": "customs_hold", "location": "Leipzig", "note": "awaiting import duty"}]}]},
        {"type": "order", "id": "DE-1002", "customer_id": "c_de_1", "status": "pending", "items": []},
        "not an object",
    ]
    (tmp_path / "shop.jsonl").write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    own = ShopRepository(engine, "de")
    report = import_shop(own, tmp_path / "shop.jsonl")
    assert (report.customers, report.products, report.orders) == (1, 1, 1)
    assert {(e["row"], e["field"]) for e in report.errors} >= {("line 4", "address"), ("line 4", "items"), ("line 5", "-")}
    order = own.order("DE-1001")
    assert order.status == "shipped" and order.shipments[0].latest.status == "customs_hold" and order.total == Decimal("14.90")
    assert own.product("p_1").attributes == {"input voltage": "12-24 V"}
    with pytest.raises(BadInputError, match="cannot tell the shop format"):
        import_shop(own, tmp_path / "shop.txt")


def test_a_customer_is_found_by_email_or_by_name_and_zip_never_by_half_of_it(engine, tmp_path):
    shop = ShopRepository(engine, "acme")
    import_shop(shop, _tau_dir(tmp_path / "tau"))
    assert shop.find_customer(email=" MIA.LOPEZ@example.com ") == "mia_lopez_1001"
    assert shop.find_customer(first_name="ken", last_name="SATO", zip="5300001") == "ken_sato_2002"
    assert shop.find_customer(first_name="Ken", last_name="Sato", zip="99999") is None
    assert shop.find_customer(first_name="Ken", last_name="Sato") is None


def test_the_after_sales_policy_is_versioned_data_and_its_text_comes_from_it(engine):
    store = PolicyStore(engine)
    assert store.current("acme") == (0, AfterSalesPolicy())
    strict = AfterSalesPolicy(return_window_days=14, restocking_fee_pct=10, return_shipping_paid_by="merchant",
                              exceptions=[CategoryRule(category="Underwear", returnable=False),
                                          CategoryRule(category="Electronics", return_window_days=30)])
    ana = Actor(kind="user", id="ana", role=Role.admin)
    assert store.save("acme", strict, by=ana) == 1 and store.save("acme", strict, by=ana) == 1  # unchanged: no new version
    assert store.save("acme", strict.model_copy(update={"return_window_days": 21}), by=ana) == 2
    with engine.connect() as conn:
        changes = [e.payload["version"] for e in audit.events(conn, "acme") if e.event == "shop_policy.changed"]
    assert sorted(changes) == [1, 2] and audit.verify(engine, "acme").ok
    assert store.current("acme")[1].return_window_days == 21 and store.version("acme", 1).return_window_days == 14
    assert store.current("other")[0] == 0
    assert strict.rule_for("Electronics > Chargers") == (True, 30, 10) and strict.rule_for("Underwear")[0] is False
    text = strict.render("en")
    assert "14 days" in text and "10%" in text and "We pay the return shipping" in text and "Underwear cannot be returned" in text
    assert "14 天" in strict.render("zh") and "14 días" in strict.render("es")
    with pytest.raises(ValueError):
        AfterSalesPolicy(exceptions=[CategoryRule(category="Toys"), CategoryRule(category="toys", returnable=False)])
    with pytest.raises(ValueError):
        AfterSalesPolicy(restocking_fee_pct=80)


def test_the_demo_shop_is_cross_border_synthetic_consistent_and_the_same_each_time(engine):
    from tradewinds.shop.demo import demo_shop

    people, products, orders = demo_shop(150, seed=3)
    assert demo_shop(150, seed=3) == (people, products, orders) and demo_shop(150, seed=4)[2] != orders
    assert len({c.address.country for c in people}) >= 10 and len({c.language for c in people}) >= 5
    assert len({o.currency for o in orders}) >= 5 and len({s.carrier for o in orders for s in o.shipments}) >= 5
    assert {c.source for c in people} == {"synthetic"}
    seen = {e.status for o in orders for s in o.shipments for e in s.events}
    assert {"customs_hold", "delayed", "lost", "delivered", "out_for_delivery"} <= seen
    for o in orders:
        assert sum(t.amount for t in o.transactions if t.kind == "payment") == o.total
        last = [s.latest.status for s in o.shipments if s.latest]
        assert (o.status == "delivered") == (last == ["delivered"]), o.id
        for s in o.shipments:
            assert [e.at for e in s.events] == sorted(e.at for e in s.events)
    shop = ShopRepository(engine, "demo")
    shop.write(customers=people, products=products, orders=orders)
    shop.write(customers=people, products=products, orders=orders)  # again: the same shop, nothing doubled
    assert shop.counts()["orders"] == len(orders) and shop.orders() == sorted(orders, key=lambda o: (o.customer_id, o.id))


def test_the_shop_over_http_and_its_pages(demo_services):
    from urllib.parse import quote

    from conftest import live_server
    from tradewinds.server import create_app
    from tradewinds.shop.demo import demo_shop

    people, products, orders = demo_shop(40, seed=5)
    tau = import_shop(demo_services.shop("shopweb"), _tau_dir(demo_services.settings.data_dir / "tau-fixture"))
    assert tau.errors == []
    demo_services.shop("shopweb").write(customers=people, products=products, orders=orders)
    with live_server(create_app(demo_services), role=None) as url:
        support, viewer, admin = url.as_("support", "shopweb"), url.as_("viewer", "shopweb"), url.as_("admin", "shopweb")
        delivered = support.get("/v1/shop/orders", params={"status": "delivered", "limit": 500}).json()
        assert delivered["total"] == sum(o.status == "delivered" for o in orders) + 1 == len(delivered["orders"])  # + the tau order
        assert {o["status"] for o in delivered["orders"]} == {"delivered"}
        assert viewer.get("/v1/shop/orders").status_code == 403  # customers' records are for support and above
        held = next(o for o in orders if o.shipments and o.shipments[0].latest.status == "customs_hold")
        got = support.get(f"/v1/shop/orders/{quote(held.id, safe='')}").json()
        assert got["shipments"][0]["events"][-1]["status"] == "customs_hold" and got["id"] == held.id
        assert support.get(f"/v1/shop/orders/{quote('#W0000001', safe='')}").json()["items"][1]["price"] == "45.00"
        assert support.get("/v1/shop/orders/nope").status_code == 404
        page = support.get(f"/shop/orders/{quote(held.id, safe='')}").text
        assert page.index("customs_hold") < page.index("picked_up")  # the timeline, newest first
        assert held.customer_id in support.get("/shop").text or support.get("/shop", params={"page": 2}).status_code == 200
        customer = support.get(f"/shop/customers/{held.customer_id}").text
        assert held.id in customer and "synthetic demo record" in customer
        assert support.put("/v1/shop/policy", json={"return_window_days": 14}).status_code == 403
        put = admin.put("/v1/shop/policy", json={"return_window_days": 14, "restocking_fee_pct": 5})
        assert put.status_code == 200 and put.json()["version"] == 1 and "14 days" in put.json()["text"]
        assert support.get("/v1/shop/policy", params={"lang": "es"}).json()["text"].startswith("- Puede pedir")
        assert admin.put("/v1/shop/policy", json={"return_window_days": 999}).status_code == 422


SHOPIFY = """Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Currency,Subtotal,Shipping,Taxes,Total,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Shipping Name,Shipping Address1,Shipping Address2,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Cancelled at,Payment Method,Refunded Amount
#1001,Ada@Example.com,paid,2026-09-03 10:15:00 -0400,fulfilled,2026-09-04 09:00:00 -0400,EUR,47.00,6.00,0,53.00,DHL Express,2026-09-03 10:14:00 -0400,2,Botanical Fern Print - A4,16.00,FERN-A4,Ada Lovelace,Ada Lovelace,1 Fictional Lane,,Testville,10115,,DE,,Shopify Payments,0
#1001,,,,,,,,,,,,,1,Botanical Fern Print - A3,15.00,FERN-A3,,,,,,,,,,,
#1002,ada@example.com,refunded,2026-09-05 10:00:00 -0400,,,EUR,15.00,0,0,15.00,,2026-09-05 09:59:00 -0400,1,Botanical Fern Print - A3,15.00,FERN-A3,Ada Lovelace,Ada Lovelace,1 Fictional Lane,,Testville,10115,,DE,,PayPal Express Checkout,15.00
#1003,bo@example.com,paid,2026-09-06 10:00:00 -0400,,,EUR,9.00,0,0,9.00,,2026-09-06 09:00:00 -0400,1,Linen Card,nine,CARD-1,Bo Chen,Bo Chen,2 Side St,,Testville,10117,,DE,,Shopify Payments,0
#1004,bo@example.com,pending,,,,EUR,9.00,0,0,9.00,,2026-09-07 09:00:00 -0400,1,Linen Card,9.00,CARD-1,Bo Chen,Bo Chen,2 Side St,,Testville,10117,,DE,2026-09-07 10:00:00 -0400,Shopify Payments,0
"""


def test_a_shopify_orders_export_becomes_customers_products_and_orders(tmp_path):
    from tradewinds.db import open_database

    path = tmp_path / "orders_export.csv"
    path.write_text(SHOPIFY, encoding="utf-8")
    repo = ShopRepository(open_database(f"sqlite:///{tmp_path / 's.db'}"), "shopify-ws")
    report = import_shop(repo, path)
    assert report.format == "shopify" and (report.customers, report.products, report.orders) == (2, 2, 3)
    assert report.errors == [{"file": str(path), "row": "row 5", "field": "Lineitem price",
                              "message": "'nine' is not an amount (expected a number like 19.99)", "hint": "order #1003"}]
    first = repo.order("#1001")
    assert [i.item_id for i in first.items] == ["FERN-A4", "FERN-A4", "FERN-A3"] and first.items[2].options == {"variant": "A3"}
    assert first.status == "shipped" and first.currency == "EUR" and first.shipments[0].carrier == "DHL Express"
    assert first.transactions[0].amount == Decimal("53.00") and first.customer_id == "ada@example.com"
    assert repo.order("#1002").status == "refunded" and [t.kind for t in repo.order("#1002").transactions] == ["payment", "refund"]
    assert repo.order("#1004").status == "cancelled"
    ada = repo.customer("ada@example.com")
    assert (ada.first_name, ada.last_name, ada.address.zip) == ("Ada", "Lovelace", "10115")
    assert sorted(p.kind for p in ada.payment_methods) == ["credit_card", "paypal"]
    assert {v.item_id for v in repo.product("botanical-fern-print").variants} == {"FERN-A4", "FERN-A3"}
    assert import_shop(repo, path).orders == 3 and repo.counts()["orders"] == 3  # again: nothing doubled
    (tmp_path / "other.csv").write_text("Name,Email\n#1,a@b.c\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="not a Shopify orders export"):
        import_shop(repo, tmp_path / "other.csv", "shopify")


def _stripe_dispute(**over):
    obj = {"id": "dp_1", "object": "dispute", "amount": 12999, "currency": "usd", "charge": "ch_1", "reason": "product_not_received",
           "status": "needs_response", "network_reason_code": "13.1", "created": 1764547200, "metadata": {"order_id": "#W1000001"},
           "evidence_details": {"due_by": 1765411200}, "payment_method_details": {"card": {"brand": "visa"}}, "evidence": {"uncategorized_text": ""}}
    return {**obj, **over}


def test_disputes_in_stripes_shape_are_kept_per_workspace_and_listed_by_deadline(engine):
    from tradewinds.errors import BadInputError, NotFoundError
    from tradewinds.shop.disputes import Dispute, DisputeStore

    d = Dispute.from_stripe(_stripe_dispute())
    assert (d.amount, d.currency, d.order_id, d.card_brand, d.network_reason_code) == (Decimal("129.99"), "USD", "#W1000001", "visa", "13.1")
    assert d.due_by == "2025-12-11T00:00:00+00:00" and d.evidence == {}
    assert Dispute.from_stripe(_stripe_dispute(id="dp_y", amount=5000, currency="jpy")).amount == Decimal(5000)  # no minor unit
    store = DisputeStore(engine, "acme")
    store.put(d, _stripe_dispute())
    store.put(Dispute.from_stripe(_stripe_dispute(id="dp_2", evidence_details={"due_by": 1764892800})))
    store.put(Dispute.from_stripe(_stripe_dispute(id="dp_3", status="won")))
    store.put(Dispute.from_stripe(_stripe_dispute(status="under_review")))  # the same id again: replaced, not doubled
    assert [x.id for x in store.by_urgency()] == ["dp_2", "dp_1"] and store.get("dp_1").status == "under_review"
    assert [x.id for x in store.by_urgency(open_only=False)] == ["dp_2", "dp_1", "dp_3"]
    with pytest.raises(NotFoundError):
        DisputeStore(engine, "other").get("dp_1")
    with pytest.raises(BadInputError, match="'reason' is missing"):
        Dispute.from_stripe({k: v for k, v in _stripe_dispute().items() if k != "reason"})
    with pytest.raises(BadInputError, match="not an ISO 4217 code"):
        Dispute.from_stripe(_stripe_dispute(currency="xyz"))
