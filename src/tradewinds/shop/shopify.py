"""A shop exported from Shopify: the orders CSV (Orders > Export), as customers, products and orders.

Shopify writes one row per line item; an order's first row carries the order's own columns (email, financial and
fulfilment status, currency, totals, addresses, payment method, cancelled at, refunded amount), later rows repeat its
``Name`` with only the line item. A line item's name is "Product - Variant" (Shopify's own convention), its SKU the
variant's id. What the export does not carry is not invented: no tracking events (a fulfilled order gets a shipment
with its fulfilment time and shipping method only), no option names (a variant's option is called "variant").
Customers are keyed by their email. Every bad row is reported (file, row, column, what was expected) and skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import ValidationError

from ..errors import BadInputError
from ..textfiles import read_text
from .schemas import Address, Customer, Order, OrderItem, PaymentMethod, Product, Shipment, TrackingEvent, Transaction, Variant

REQUIRED = ("Name", "Email", "Lineitem name", "Lineitem price", "Lineitem quantity")
MAX_BYTES = 200 * 1024 * 1024


def looks_like(path: Path) -> bool:
    """A CSV whose header has Shopify's order columns."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as f:
            header = f.readline()
    except OSError:
        return False
    return "Lineitem name" in header and "Name" in header


def _money(value: str, column: str) -> Decimal:
    try:
        return Decimal((value or "0").replace(",", "").strip() or "0")
    except InvalidOperation:
        raise ValueError(f"{column}: {value!r} is not an amount (expected a number like 19.99)") from None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or hashlib.sha1(text.encode()).hexdigest()[:12]


def _status(row: dict) -> str:
    if (row.get("Cancelled at") or "").strip():
        return "cancelled"
    if (row.get("Financial Status") or "").strip().lower() == "refunded":
        return "refunded"
    fulfilment = (row.get("Fulfillment Status") or "").strip().lower()
    return {"fulfilled": "shipped", "partial": "processed"}.get(fulfilment, "pending")


def _method_kind(name: str) -> str:
    low = name.lower()
    return "paypal" if "paypal" in low else "gift_card" if "gift" in low else "bank_transfer" if "bank" in low else "credit_card"


def read_orders_csv(path: Path):
    """(customers, products, orders, positions, errors) from a Shopify orders export."""
    text, _ = read_text(path, max_bytes=MAX_BYTES, formats="Shopify's orders CSV")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise BadInputError(f"{path.name}: not a Shopify orders export (no {', '.join(missing)} column)",
                            hint="export it from Shopify admin: Orders > Export > CSV for Excel or plain CSV file")
    errors: list[dict] = []
    heads: dict[str, dict] = {}
    lines: dict[str, list[tuple[int, dict]]] = {}
    for n, row in enumerate(reader, 2):
        name = (row.get("Name") or "").strip()
        if not name:
            errors.append({"file": str(path), "row": f"row {n}", "field": "Name", "message": "empty order name",
                           "hint": "every row names its order (#1001)"})
            continue
        if name not in heads and (row.get("Email") or row.get("Financial Status") or row.get("Currency")):
            heads[name] = row
        lines.setdefault(name, []).append((n, row))
    customers: dict[str, Customer] = {}
    products: dict[str, Product] = {}
    orders: list[Order] = []
    for name, rows in lines.items():
        head = heads.get(name)
        if head is None:
            errors.append({"file": str(path), "row": f"row {rows[0][0]}", "field": "Email", "message": f"order {name} has no row with its email and status",
                           "hint": "export every row of the order (Shopify's first row of an order carries them)"})
            continue
        try:
            orders.append(_order(name, head, rows, customers, products))
        except ValueError as exc:  # ValidationError included
            where = f"row {rows[0][0]}"
            if isinstance(exc, ValidationError):
                first = exc.errors()[0]
                errors.append({"file": str(path), "row": where, "field": ".".join(map(str, first["loc"])) or "-", "message": first["msg"],
                               "hint": f"order {name}"})
            else:
                column, _, message = str(exc).partition(": ")
                errors.append({"file": str(path), "row": where, "field": column, "message": message or str(exc), "hint": f"order {name}"})
    return list(customers.values()), list(products.values()), orders, {}, errors


def _order(name: str, head: dict, rows: list[tuple[int, dict]], customers: dict, products: dict) -> Order:
    email = (head.get("Email") or "").strip().lower()
    if "@" not in email:
        raise ValueError(f"Email: {email!r} is not an email address")
    currency = (head.get("Currency") or "USD").strip().upper()
    ship = {k: (head.get(f"Shipping {k}") or head.get(f"Billing {k}") or "").strip() for k in ("Address1", "Address2", "City", "Zip", "Province", "Country", "Name")}
    address = Address(address1=ship["Address1"], address2=ship["Address2"], city=ship["City"], state=ship["Province"],
                      country=ship["Country"], zip=ship["Zip"])
    method_name = (head.get("Payment Method") or head.get("Payment Gateway Names") or "card").split(",")[0].strip() or "card"
    customer_id = email[:80]
    method = PaymentMethod(id=f"{_slug(method_name)}-{hashlib.sha1(email.encode()).hexdigest()[:8]}", kind=_method_kind(method_name),
                           details={"name": method_name})
    person = (head.get("Billing Name") or ship["Name"] or email.split("@")[0]).strip()
    first, _, last = person.partition(" ")
    known = customers.get(customer_id)
    methods = known.payment_methods if known else []
    if all(m.id != method.id for m in methods):
        methods = [*methods, method]
    customers[customer_id] = Customer(id=customer_id, first_name=first, last_name=last, email=email, address=address,
                                      payment_methods=methods, source="shopify")
    items: list[OrderItem] = []
    for n, row in rows:
        title = (row.get("Lineitem name") or "").strip()
        if not title:
            raise ValueError(f"Lineitem name: row {n} has no line item name")
        product_name, _, variant_name = title.partition(" - ")
        price = _money(row.get("Lineitem price", ""), "Lineitem price")
        try:
            quantity = int((row.get("Lineitem quantity") or "1").strip())
        except ValueError:
            raise ValueError(f"Lineitem quantity: {row.get('Lineitem quantity')!r} on row {n} is not a whole number") from None
        if not 1 <= quantity <= 10_000:
            raise ValueError(f"Lineitem quantity: {quantity} on row {n} (expected 1 to 10,000)")
        pid = _slug(product_name)
        item_id = (row.get("Lineitem sku") or "").strip() or f"{pid}-{_slug(variant_name or 'default')}"
        options = {"variant": variant_name} if variant_name else {}
        product = products.get(pid) or Product(id=pid, name=product_name, variants=[])
        if all(v.item_id != item_id for v in product.variants):
            product = product.model_copy(update={"variants": [*product.variants, Variant(item_id=item_id, options=options, price=price,
                                                                                           currency=currency)]})
        products[pid] = product
        items += [OrderItem(item_id=item_id, product_id=pid, name=product_name, price=price, options=options)] * quantity
    status = _status(head)
    transactions = []
    financial = (head.get("Financial Status") or "").strip().lower()
    if financial in ("paid", "partially_refunded", "refunded", "partially_paid"):
        transactions.append(Transaction(kind="payment", amount=_money(head.get("Total", ""), "Total"), payment_method_id=method.id))
    refunded = _money(head.get("Refunded Amount", ""), "Refunded Amount")
    if refunded > 0:
        transactions.append(Transaction(kind="refund", amount=refunded, payment_method_id=method.id))
    shipments = []
    fulfilled_at = (head.get("Fulfilled at") or "").strip()
    if fulfilled_at:
        shipments.append(Shipment(id=f"{name}-1", carrier=(head.get("Shipping Method") or "").strip(), item_ids=[i.item_id for i in items],
                                  events=[TrackingEvent(at=_iso(fulfilled_at), status="picked_up", note="fulfilled in Shopify")]))
    return Order(id=name, customer_id=customer_id, status=status, address=address, currency=currency,
                 placed_at=_iso(head.get("Created at") or "") or None, items=items, transactions=transactions, shipments=shipments)


def _iso(value: str) -> str:
    """Shopify's '2026-09-03 10:15:00 -0400' as ISO 8601."""
    m = re.match(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*([+-]\d{2})(\d{2})?", value.strip())
    return f"{m.group(1)}T{m.group(2)}{m.group(3)}:{m.group(4) or '00'}" if m else value.strip()
