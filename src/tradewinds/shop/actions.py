"""What may change a shop's orders and customers, as action types of the ledger (the money firewall).

Each type checks the merchant's rules in code, from the stored order and the workspace's after-sales policy, before
anything is written: the order's status, the allowed cancel reasons, items modified once, an exchange within the
same product for an available variant, a refund only to the original method or one of the customer's gift cards,
a gift card able to cover a difference, the return window and per-category exceptions. ``plan`` shows the exact
effect (what a support agent reads back to the customer before asking for a yes); ``apply`` writes it in the
ledger's transaction. The effects follow tau-bench's retail shop, so its tasks can be replayed and graded.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from ..actions import ActionType, Change
from ..errors import BadInputError
from .policy import PolicyStore
from .repository import ShopRepository
from .schemas import Address, Order, Transaction

CENT = Decimal("0.01")


class _Params(BaseModel):
    model_config = {"extra": "forbid"}


class OrderRef(_Params):
    order_id: str = Field(min_length=1, max_length=80)


class CancelIn(OrderRef):
    reason: str = Field(min_length=1, max_length=200)


class AddressIn(OrderRef, Address):
    """An order's id and the address it ships to instead."""


class CustomerAddressIn(Address):
    customer_id: str = Field(min_length=1, max_length=80)


class PaymentIn(OrderRef):
    payment_method_id: str = Field(min_length=1, max_length=80)


class ItemsIn(PaymentIn):
    item_ids: list[str] = Field(min_length=1, max_length=50)
    new_item_ids: list[str] = Field(min_length=1, max_length=50)


class ReturnIn(PaymentIn):
    item_ids: list[str] = Field(min_length=1, max_length=50)


class Refused(BadInputError):
    """A write the shop's rules refuse. ``rule`` names which and ``facts`` hold its figures, so that an agent can say
    it in the customer's language; the message says it in English."""

    def __init__(self, message: str, *, rule: str, hint: str | None = None, **facts) -> None:
        super().__init__(message, hint=hint)
        self.rule, self.facts = rule, facts


def _refuse(message: str, hint: str = "", *, rule: str = "other", **facts) -> Refused:
    return Refused(message, rule=rule, hint=hint or "check the order's details and the shop's after-sales policy", **facts)


def _modifiable(order: Order, policy, what: str, note: str = "") -> None:
    if order.status not in policy.modifiable_statuses:
        raise _refuse(f"order {order.id} is {order.status}: {what} only while it is {' or '.join(policy.modifiable_statuses)}{note}",
                      rule="not_modifiable", order=order.id, status=order.status, allowed=list(policy.modifiable_statuses))


class _ShopAction(ActionType):
    """Shared reading: the order, its customer and the policy, inside the ledger's connection."""

    @staticmethod
    def shop(conn: Connection, ws: str) -> ShopRepository:
        return ShopRepository(conn.engine, ws)

    def counterparty(self, params):
        return getattr(params, "order_id", None) or getattr(params, "customer_id", None)

    def amount(self, params, change):
        if "amount" in change.after:
            return Decimal(change.after["amount"]), change.after["currency"]
        return None

    @staticmethod
    def order(conn: Connection, ws: str, order_id: str) -> Order:
        return _ShopAction.shop(conn, ws).order(order_id, conn=conn)

    @staticmethod
    def policy(conn: Connection, ws: str):
        return PolicyStore(conn.engine).current(ws)[1]

    @staticmethod
    def method(conn: Connection, ws: str, order: Order, payment_method_id: str):
        customer = _ShopAction.shop(conn, ws).customer(order.customer_id, conn=conn)
        found = next((p for p in customer.payment_methods if p.id == payment_method_id), None)
        if found is None:
            raise _refuse(f"payment method {payment_method_id!r} is not one of this customer's",
                          hint=f"theirs: {', '.join(p.id for p in customer.payment_methods) or 'none'}")
        return customer, found

    @staticmethod
    def items_present(order: Order, item_ids: list[str]) -> None:
        have = Counter(i.item_id for i in order.items)
        for item_id, n in Counter(item_ids).items():
            if n > have[item_id]:
                raise _refuse(f"item {item_id} is not in order {order.id}" + (f" {n} times" if have[item_id] else ""),
                              hint=f"its items: {', '.join(i.item_id for i in order.items)}")


def _balance_change(conn, ws, customer, method_id: str, delta: Decimal) -> None:
    """Add ``delta`` to one of the customer's gift cards (a refund) or take it (a payment)."""
    methods = [p.model_copy(update={"balance": (p.balance + delta).quantize(CENT)}) if p.id == method_id and p.kind == "gift_card" else p
               for p in customer.payment_methods]
    ShopRepository(conn.engine, ws).write(customers=[customer.model_copy(update={"payment_methods": methods})], conn=conn)


class CancelOrder(_ShopAction):
    name, effect = "order.cancel", "money"
    params_model = CancelIn

    def plan(self, conn, ws, params):
        order, policy = self.order(conn, ws, params.order_id), self.policy(conn, ws)
        if order.status not in policy.cancellable_statuses:
            raise _refuse(f"order {order.id} is {order.status}: only {' or '.join(policy.cancellable_statuses)} orders can be cancelled",
                          rule="not_cancellable", order=order.id, status=order.status, allowed=list(policy.cancellable_statuses))
        if params.reason not in policy.cancel_reasons:
            raise _refuse(f"{params.reason!r} is not a reason this shop cancels for", hint=f"one of: {', '.join(policy.cancel_reasons)}")
        paid = sum((t.amount for t in order.transactions if t.kind == "payment"), Decimal(0)) - \
            sum((t.amount for t in order.transactions if t.kind == "refund"), Decimal(0))
        return Change(summary=f"cancel order {order.id} ({params.reason}) and refund {paid:.2f} {order.currency} to the way it was paid",
                      before={"status": order.status}, after={"status": "cancelled", "amount": str(paid), "currency": order.currency})

    def apply(self, conn, ws, params, change):
        order = self.order(conn, ws, params.order_id)
        refunds = [Transaction(kind="refund", amount=t.amount, payment_method_id=t.payment_method_id)
                   for t in order.transactions if t.kind == "payment"]
        shop = self.shop(conn, ws)
        customer = shop.customer(order.customer_id, conn=conn)
        for r in refunds:  # a gift card gets its money back at once; cards and PayPal through the processor
            if any(p.id == r.payment_method_id and p.kind == "gift_card" for p in customer.payment_methods):
                _balance_change(conn, ws, customer, r.payment_method_id, r.amount)
                customer = shop.customer(order.customer_id, conn=conn)
        shop.write(orders=[order.model_copy(update={"status": "cancelled", "transactions": order.transactions + refunds,
                                                    "details": {**order.details, "cancel_reason": params.reason}})], conn=conn)
        return {"status": "cancelled", "refunded": str(sum((r.amount for r in refunds), Decimal(0)))}


class ChangeOrderAddress(_ShopAction):
    name, effect = "order.change_address", "write"
    params_model = AddressIn

    def plan(self, conn, ws, params):
        order, policy = self.order(conn, ws, params.order_id), self.policy(conn, ws)
        _modifiable(order, policy, "its address can change")
        new = Address(**params.model_dump(exclude={"order_id"}))
        return Change(summary=f"ship order {order.id} to {new.address1}, {new.city} {new.zip}, {new.country}",
                      before={"address": order.address.model_dump()}, after={"address": new.model_dump()})

    def apply(self, conn, ws, params, change):
        order = self.order(conn, ws, params.order_id)
        self.shop(conn, ws).write(orders=[order.model_copy(update={"address": Address(**params.model_dump(exclude={"order_id"}))})], conn=conn)
        return {"status": order.status}


class ChangeCustomerAddress(_ShopAction):
    name, effect = "customer.change_address", "write"
    params_model = CustomerAddressIn

    def plan(self, conn, ws, params):
        customer = self.shop(conn, ws).customer(params.customer_id, conn=conn)
        new = Address(**params.model_dump(exclude={"customer_id"}))
        return Change(summary=f"make {new.address1}, {new.city} {new.zip}, {new.country} the default address of {customer.id}",
                      before={"address": customer.address.model_dump()}, after={"address": new.model_dump()})

    def apply(self, conn, ws, params, change):
        shop = self.shop(conn, ws)
        customer = shop.customer(params.customer_id, conn=conn)
        shop.write(customers=[customer.model_copy(update={"address": Address(**params.model_dump(exclude={"customer_id"}))})], conn=conn)
        return {"customer_id": customer.id}


class ChangeOrderPayment(_ShopAction):
    name, effect = "order.change_payment", "money"
    params_model = PaymentIn

    def plan(self, conn, ws, params):
        order, policy = self.order(conn, ws, params.order_id), self.policy(conn, ws)
        _modifiable(order, policy, "its payment can change")
        if len(order.transactions) != 1 or order.transactions[0].kind != "payment":
            raise _refuse(f"order {order.id} has {len(order.transactions)} transactions: only an order paid once can change how it is paid")
        old = order.transactions[0]
        if old.payment_method_id == params.payment_method_id:
            raise _refuse(f"order {order.id} is already paid with {old.payment_method_id}", hint="choose another payment method",
                          rule="same_method", order=order.id, method=old.payment_method_id)
        _, method = self.method(conn, ws, order, params.payment_method_id)
        if method.kind == "gift_card" and method.balance < old.amount:
            raise _refuse(f"gift card {method.id} holds {method.balance:.2f}, less than the order's {old.amount:.2f}",
                          rule="gift_card_short", method=method.id, balance=f"{method.balance:.2f}", amount=f"{old.amount:.2f}")
        return Change(summary=f"pay order {order.id} ({old.amount:.2f} {order.currency}) with {method.id} instead of {old.payment_method_id}, "
                      f"which is refunded", before={"payment_method_id": old.payment_method_id},
                      after={"payment_method_id": method.id, "amount": str(old.amount), "currency": order.currency})

    def apply(self, conn, ws, params, change):
        order = self.order(conn, ws, params.order_id)
        old = order.transactions[0]
        shop = self.shop(conn, ws)
        customer = shop.customer(order.customer_id, conn=conn)
        _balance_change(conn, ws, customer, params.payment_method_id, -old.amount)
        _balance_change(conn, ws, shop.customer(order.customer_id, conn=conn), old.payment_method_id, old.amount)
        moved = [Transaction(kind="payment", amount=old.amount, payment_method_id=params.payment_method_id),
                 Transaction(kind="refund", amount=old.amount, payment_method_id=old.payment_method_id)]
        shop.write(orders=[order.model_copy(update={"transactions": order.transactions + moved})], conn=conn)
        return {"payment_method_id": params.payment_method_id}


class _Swap(_ShopAction):
    """Items for other variants of the same products (a pending order's items, or a delivered order's exchange)."""

    statuses: tuple[str, ...] = ()

    def swap(self, conn, ws, params) -> tuple[Order, Decimal, list]:
        order = self.order(conn, ws, params.order_id)
        if len(params.item_ids) != len(params.new_item_ids):
            raise _refuse(f"{len(params.item_ids)} items to change but {len(params.new_item_ids)} new ones", hint="pair each item with its new one")
        self.items_present(order, params.item_ids)
        products = {p.id: p for p in self.shop(conn, ws).products(list({i.product_id for i in order.items}), conn=conn)}
        diff, pairs, used = Decimal(0), [], Counter()
        for old_id, new_id in zip(params.item_ids, params.new_item_ids):
            candidates = [i for i in order.items if i.item_id == old_id]
            item = candidates[min(used[old_id], len(candidates) - 1)]
            used[old_id] += 1
            product = products.get(item.product_id)
            variant = next((v for v in product.variants if v.item_id == new_id), None) if product else None
            if variant is None:
                raise _refuse(f"{new_id} is not a variant of {item.name} ({item.product_id})", hint="an item changes only to another option of the same product")
            if new_id == old_id:  # kept as it is (the customer chose the option they have); that item does not change
                continue
            if not variant.available:
                raise _refuse(f"{item.name} {', '.join(variant.options.values())} ({new_id}) is not available",
                              rule="unavailable", item=item.name, options=", ".join(variant.options.values()))
            diff += variant.price - item.price
            pairs.append((item, variant))
        return order, diff.quantize(CENT), pairs

    def cover(self, conn, ws, order, payment_method_id: str, diff: Decimal):
        customer, method = self.method(conn, ws, order, payment_method_id)
        if method.kind == "gift_card" and method.balance < diff:
            raise _refuse(f"gift card {method.id} holds {method.balance:.2f}, less than the difference of {diff:.2f}",
                          rule="gift_card_short", method=method.id, balance=f"{method.balance:.2f}", amount=f"{diff:.2f}")
        return customer, method


class ModifyOrderItems(_Swap):
    name, effect = "order.modify_items", "money"
    params_model = ItemsIn

    def plan(self, conn, ws, params):
        order, diff, pairs = self.swap(conn, ws, params)
        policy = self.policy(conn, ws)
        _modifiable(order, policy, "items change", " (and only once)" if policy.items_modified_once else "")
        self.cover(conn, ws, order, params.payment_method_id, diff)
        what = "; ".join(f"{i.name}: {', '.join(i.options.values())} -> {', '.join(v.options.values())}" for i, v in pairs)
        money = f"charge {diff:.2f}" if diff > 0 else f"refund {-diff:.2f}"
        return Change(summary=f"change items of order {order.id} ({what}); {money} {order.currency} on {params.payment_method_id}",
                      before={"items": [i.item_id for i, _ in pairs]},
                      after={"items": [v.item_id for _, v in pairs], "amount": str(abs(diff)), "currency": order.currency,
                             "difference": str(diff)})

    def apply(self, conn, ws, params, change):
        order, diff, pairs = self.swap(conn, ws, params)
        customer, method = self.cover(conn, ws, order, params.payment_method_id, diff)
        items = list(order.items)
        for item, variant in pairs:
            at = next(n for n, i in enumerate(items) if i is item)
            items[at] = item.model_copy(update={"item_id": variant.item_id, "price": variant.price, "options": variant.options})
        tx = Transaction(kind="payment" if diff > 0 else "refund", amount=abs(diff), payment_method_id=method.id)
        if method.kind == "gift_card":
            _balance_change(conn, ws, customer, method.id, -diff)
        status = "pending (item modified)" if self.policy(conn, ws).items_modified_once else order.status
        self.shop(conn, ws).write(orders=[order.model_copy(update={"items": items, "status": status,
                                                                   "transactions": order.transactions + [tx]})], conn=conn)
        return {"status": status, "difference": str(diff)}


def _delivered_at(order: Order) -> datetime | None:
    stamps = [e.at for s in order.shipments for e in s.events if e.status == "delivered"]
    if not stamps:
        return None
    at = datetime.fromisoformat(max(stamps))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class _AfterDelivery(_Swap):
    def delivered(self, conn, ws, order: Order, item_ids: list[str]) -> None:
        if order.status != "delivered":
            raise _refuse(f"order {order.id} is {order.status}: only a delivered order can be returned or exchanged",
                          rule="not_delivered", order=order.id, status=order.status)
        policy = self.policy(conn, ws)
        delivered = _delivered_at(order)
        products = {p.id: p for p in self.shop(conn, ws).products(list({i.product_id for i in order.items}), conn=conn)}
        for item in (i for i in order.items if i.item_id in item_ids):
            returnable, days, _ = policy.rule_for(products[item.product_id].category if item.product_id in products else "")
            if not returnable:
                raise _refuse(f"{item.name} cannot be returned or exchanged under this shop's policy", rule="not_returnable", item=item.name)
            if delivered is not None and (datetime.now(UTC) - delivered).days > days:
                ago = (datetime.now(UTC) - delivered).days
                raise _refuse(f"order {order.id} was delivered {ago} days ago: the window is {days} days",
                              rule="window_passed", order=order.id, ago=ago, days=days)


class ReturnItems(_AfterDelivery):
    name, effect = "order.return", "money"
    params_model = ReturnIn

    def plan(self, conn, ws, params):
        order = self.order(conn, ws, params.order_id)
        self.items_present(order, params.item_ids)
        self.delivered(conn, ws, order, params.item_ids)
        _, method = self.method(conn, ws, order, params.payment_method_id)
        original = next((t.payment_method_id for t in order.transactions if t.kind == "payment"), None)
        if method.id != original and method.kind != "gift_card":
            raise _refuse(f"a refund goes to the original payment method ({original}) or to a gift card, not {method.id}",
                          rule="refund_method", original=original, method=method.id)
        left = Counter(params.item_ids)
        refund = Decimal(0)
        for i in order.items:
            if left[i.item_id]:
                left[i.item_id] -= 1
                refund += i.price
        return Change(summary=f"return {len(params.item_ids)} item(s) of order {order.id}; refund {refund:.2f} {order.currency} to {method.id} "
                      "once they are back", before={"status": order.status},
                      after={"status": "return requested", "amount": str(refund), "currency": order.currency})

    def apply(self, conn, ws, params, change):
        order = self.order(conn, ws, params.order_id)
        details = {**order.details, "return_items": sorted(params.item_ids), "return_payment_method_id": params.payment_method_id}
        self.shop(conn, ws).write(orders=[order.model_copy(update={"status": "return requested", "details": details})], conn=conn)
        return {"status": "return requested"}


class ExchangeItems(_AfterDelivery):
    name, effect = "order.exchange", "money"
    params_model = ItemsIn

    def plan(self, conn, ws, params):
        order, diff, pairs = self.swap(conn, ws, params)
        self.delivered(conn, ws, order, params.item_ids)
        self.cover(conn, ws, order, params.payment_method_id, diff)
        what = "; ".join(f"{i.name}: {', '.join(i.options.values())} -> {', '.join(v.options.values())}" for i, v in pairs)
        money = f"the customer pays {diff:.2f}" if diff > 0 else f"the customer gets {-diff:.2f} back"
        return Change(summary=f"exchange in order {order.id}: {what}; {money} {order.currency} on {params.payment_method_id}",
                      before={"status": order.status}, after={"status": "exchange requested", "amount": str(abs(diff)),
                                                               "currency": order.currency, "difference": str(diff)})

    def apply(self, conn, ws, params, change):
        order, diff, _ = self.swap(conn, ws, params)
        details = {**order.details, "exchange_items": sorted(params.item_ids), "exchange_new_items": sorted(params.new_item_ids),
                   "exchange_payment_method_id": params.payment_method_id, "exchange_price_difference": float(diff)}
        self.shop(conn, ws).write(orders=[order.model_copy(update={"status": "exchange requested", "details": details})], conn=conn)
        return {"status": "exchange requested", "difference": str(diff)}
