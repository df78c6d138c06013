"""The shop's action types through the real ledger: tau-bench's effects on a shop, and the merchant's rules enforced
in code (status, reasons, same product, availability, refund destination, gift card balance, items changed once)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from test_shop import ORDERS, _tau_dir
from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger, ActionRequest
from tradewinds.db import open_database
from tradewinds.errors import BadInputError
from tradewinds.shop import ShopRepository
from tradewinds.shop.importers import import_shop

AGENT = Actor(kind="agent", id="support-agent", role=Role.operator, run_id="run_test")


@pytest.fixture
def shop(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'shop.db'}")
    orders = copy.deepcopy(ORDERS)
    orders["#W0000004"] = {**copy.deepcopy(ORDERS["#W0000002"]), "order_id": "#W0000004", "status": "pending", "payment_history": [
        {"transaction_type": "payment", "amount": 19.99, "payment_method_id": "gift_card_1"}]}
    orders["#W0000004"].pop("cancel_reason")
    repo = ShopRepository(engine, "acme")
    import_shop(repo, _tau_dir(tmp_path / "tau", orders=orders))
    bottle = repo.product("100")
    repo.write(products=[bottle.model_copy(update={"variants": [bottle.variants[0], bottle.variants[1].model_copy(update={"available": True})]})])
    return repo, ActionLedger(engine)


def _do(ledger, type_: str, key: str, **params):
    return ledger.submit(ActionRequest(workspace_id="acme", type=type_, params=params, idempotency_key=key, actor=AGENT))


def test_cancel_refunds_each_payment_once_even_when_retried(shop):
    repo, ledger = shop
    first = _do(ledger, "order.cancel", "cancel-3-aaaa", order_id="#W0000003", reason="no longer needed")
    again = _do(ledger, "order.cancel", "cancel-3-aaaa", order_id="#W0000003", reason="no longer needed")
    assert first.status == "applied" and again.id == first.id and first.amount == Decimal("45.00")
    order = repo.export_tau()["orders"]["#W0000003"]
    assert order["status"] == "cancelled" and order["cancel_reason"] == "no longer needed"
    assert order["payment_history"] == [{"transaction_type": "payment", "amount": 45.0, "payment_method_id": "paypal_3"},
                                        {"transaction_type": "refund", "amount": 45.0, "payment_method_id": "paypal_3"}]
    with pytest.raises(BadInputError, match="only pending orders can be cancelled"):
        _do(ledger, "order.cancel", "cancel-3-bbbb", order_id="#W0000003", reason="no longer needed")


def test_a_gift_card_is_refunded_at_once_and_pays_a_modification(shop):
    repo, ledger = shop
    changed = _do(ledger, "order.modify_items", "modify-4-aaaa", order_id="#W0000004", item_ids=["1001"], new_item_ids=["1002"],
                  payment_method_id="gift_card_1")
    assert changed.status == "applied" and changed.amount == Decimal("4.51")
    state = repo.export_tau()
    order, card = state["orders"]["#W0000004"], state["users"]["mia_lopez_1001"]["payment_methods"]["gift_card_1"]
    assert order["status"] == "pending (item modified)" and order["items"][0]["item_id"] == "1002" and order["items"][0]["price"] == 24.5
    assert order["items"][0]["options"] == {"capacity": "1000ml", "color": "blue"} and card["balance"] == 55.99  # 60.50 - 4.51
    assert order["payment_history"][-1] == {"transaction_type": "payment", "amount": 4.51, "payment_method_id": "gift_card_1"}
    with pytest.raises(BadInputError, match="pending \\(item modified\\)"):  # items change once
        _do(ledger, "order.modify_items", "modify-4-bbbb", order_id="#W0000004", item_ids=["1002"], new_item_ids=["1001"],
            payment_method_id="gift_card_1")
    # and a pending (item modified) order can no longer be cancelled either
    with pytest.raises(BadInputError, match="cannot be cancelled|can be cancelled"):
        _do(ledger, "order.cancel", "cancel-4-aaaa", order_id="#W0000004", reason="ordered by mistake")


def test_return_and_exchange_after_delivery(shop):
    repo, ledger = shop
    with pytest.raises(BadInputError, match="not one of this customer's"):  # Ken's, not Mia's
        _do(ledger, "order.return", "return-1-yyyy", order_id="#W0000001", item_ids=["2001"], payment_method_id="paypal_3")
    mia = repo.customer("mia_lopez_1001")
    from tradewinds.shop.schemas import PaymentMethod

    repo.write(customers=[mia.model_copy(update={"payment_methods": [*mia.payment_methods, PaymentMethod(id="paypal_9", kind="paypal")]})])
    with pytest.raises(BadInputError, match="original payment method"):
        _do(ledger, "order.return", "return-1-zzzz", order_id="#W0000001", item_ids=["2001"], payment_method_id="paypal_9")
    returned = _do(ledger, "order.return", "return-1-aaaa", order_id="#W0000001", item_ids=["2001"], payment_method_id="gift_card_1")
    assert returned.amount == Decimal("45.00")
    order = repo.export_tau()["orders"]["#W0000001"]
    assert (order["status"], order["return_items"], order["return_payment_method_id"]) == ("return requested", ["2001"], "gift_card_1")
    with pytest.raises(BadInputError, match="only a delivered order"):  # once only
        _do(ledger, "order.exchange", "exchange-1-aaaa", order_id="#W0000001", item_ids=["1001"], new_item_ids=["1002"],
            payment_method_id="credit_card_2")


def test_an_exchange_stays_within_the_product_and_needs_an_available_variant(shop):
    repo, ledger = shop
    for new, why in (("2001", "not a variant of Water Bottle"), ("9999", "not a variant")):
        with pytest.raises(BadInputError, match=why):
            _do(ledger, "order.exchange", f"exchange-x-{new}", order_id="#W0000001", item_ids=["1001"], new_item_ids=[new],
                payment_method_id="credit_card_2")
    with pytest.raises(BadInputError, match="not in order"):
        _do(ledger, "order.exchange", "exchange-x-twice", order_id="#W0000001", item_ids=["1001", "1001"], new_item_ids=["1002", "1002"],
            payment_method_id="credit_card_2")
    done = _do(ledger, "order.exchange", "exchange-1-aaaa", order_id="#W0000001", item_ids=["1001"], new_item_ids=["1002"],
               payment_method_id="credit_card_2")
    order = repo.export_tau()["orders"]["#W0000001"]
    assert done.status == "applied" and order["status"] == "exchange requested"
    assert (order["exchange_items"], order["exchange_new_items"], order["exchange_price_difference"]) == (["1001"], ["1002"], 4.51)
    assert repo.export_tau()["users"]["mia_lopez_1001"]["payment_methods"]["gift_card_1"]["balance"] == 60.5  # untouched


def test_payment_and_addresses(shop):
    repo, ledger = shop
    with pytest.raises(BadInputError, match="already paid with"):
        _do(ledger, "order.change_payment", "pay-3-aaaa", order_id="#W0000003", payment_method_id="paypal_3")
    with pytest.raises(BadInputError, match="not one of this customer's"):
        _do(ledger, "order.change_payment", "pay-3-bbbb", order_id="#W0000003", payment_method_id="gift_card_1")
    moved = _do(ledger, "order.change_payment", "pay-4-aaaa", order_id="#W0000004", payment_method_id="credit_card_2")
    state = repo.export_tau()
    assert moved.amount == Decimal("19.99") and state["users"]["mia_lopez_1001"]["payment_methods"]["gift_card_1"]["balance"] == 80.49
    assert [t["transaction_type"] for t in state["orders"]["#W0000004"]["payment_history"]] == ["payment", "payment", "refund"]
    new = {"address1": "1 Canal St", "address2": "", "city": "Austin", "state": "TX", "country": "USA", "zip": "78702"}
    _do(ledger, "order.change_address", "addr-4-aaaa", order_id="#W0000004", **new)
    _do(ledger, "customer.change_address", "addr-c-aaaa", customer_id="mia_lopez_1001", **new)
    state = repo.export_tau()
    assert state["orders"]["#W0000004"]["address"] == new and state["users"]["mia_lopez_1001"]["address"] == new
    assert state["orders"]["#W0000001"]["address"]["address1"] == "12 Harbour Rd"  # other orders keep theirs
    with pytest.raises(BadInputError, match="only while it is pending"):
        _do(ledger, "order.change_address", "addr-1-aaaa", order_id="#W0000001", **new)
    trail = [e.event for e in ledger.trail("acme", limit=50)]
    assert trail.count("action.applied") == 3 and "action.refused" not in trail  # a rule's refusal writes nothing
