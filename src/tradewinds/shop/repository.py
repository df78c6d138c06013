"""The shop's records behind one repository per workspace: write (an upsert: a record sent again replaces itself,
children and all), read back as the typed models, find a customer, and export in tau-bench's JSON layout."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from ..errors import NotFoundError
from .schemas import Address, Customer, Order, OrderItem, PaymentMethod, Product, Shipment, TrackingEvent, Transaction, Variant
from .tables import (CustomerRow, OrderItemRow, OrderRow, PaymentMethodRow, ProductRow, ShipmentRow, TrackingEventRow,
                     TransactionRow, VariantRow)

CUSTOMERS, PAYMENTS, PRODUCTS, VARIANTS = (CustomerRow.__table__, PaymentMethodRow.__table__, ProductRow.__table__,
                                           VariantRow.__table__)
ORDERS, ITEMS, TRANSACTIONS, SHIPMENTS, EVENTS = (OrderRow.__table__, OrderItemRow.__table__, TransactionRow.__table__,
                                                  ShipmentRow.__table__, TrackingEventRow.__table__)


def _ids(table, column, workspace_id: str, ids: list[str]):
    return delete(table).where(table.c.workspace_id == workspace_id, table.c[column].in_(ids))


class ShopRepository:
    def __init__(self, engine: Engine, workspace_id: str) -> None:
        self.engine, self.workspace_id = engine, workspace_id

    # -- writing ----------------------------------------------------------------------------------------------
    def write(self, *, customers: list[Customer] = (), products: list[Product] = (), orders: list[Order] = (),
              order_positions: dict[str, int] | None = None, conn: Connection | None = None) -> None:
        """Upsert records in one transaction (``conn``: inside the caller's, e.g. an action's)."""
        if conn is None:
            with self.engine.begin() as own:
                return self.write(customers=customers, products=products, orders=orders, order_positions=order_positions, conn=own)
        ws = self.workspace_id
        for start in range(0, max(len(customers), len(products), len(orders)), 500):
            self._customers(conn, ws, list(customers[start:start + 500]))
            self._products(conn, ws, list(products[start:start + 500]))
            self._orders(conn, ws, list(orders[start:start + 500]), order_positions or {})

    @staticmethod
    def _customers(conn: Connection, ws: str, customers: list[Customer]) -> None:
        if not customers:
            return
        ids = [c.id for c in customers]
        conn.execute(_ids(CUSTOMERS, "id", ws, ids))
        conn.execute(_ids(PAYMENTS, "customer_id", ws, ids))
        conn.execute(insert(CUSTOMERS), [{"workspace_id": ws, "id": c.id, "first_name": c.first_name, "last_name": c.last_name,
                                          "email": c.email, "language": c.language, "address": c.address.model_dump(),
                                          "source": c.source} for c in customers])
        pms = [{"workspace_id": ws, "id": p.id, "customer_id": c.id, "position": i, "kind": p.kind, "balance": p.balance,
                "details": p.details} for c in customers for i, p in enumerate(c.payment_methods)]
        if pms:
            conn.execute(insert(PAYMENTS), pms)

    @staticmethod
    def _products(conn: Connection, ws: str, products: list[Product]) -> None:
        if not products:
            return
        ids = [p.id for p in products]
        conn.execute(_ids(PRODUCTS, "id", ws, ids))
        conn.execute(_ids(VARIANTS, "product_id", ws, ids))
        conn.execute(insert(PRODUCTS), [{"workspace_id": ws, "id": p.id, "name": p.name, "category": p.category, "attributes": p.attributes,
                                         "catalog_offer_id": p.catalog_offer_id} for p in products])
        variants = [{"workspace_id": ws, "item_id": v.item_id, "product_id": p.id, "position": i, "options": v.options, "price": v.price,
                     "currency": v.currency, "available": v.available} for p in products for i, v in enumerate(p.variants)]
        if variants:
            conn.execute(insert(VARIANTS), variants)

    @staticmethod
    def _orders(conn: Connection, ws: str, orders: list[Order], positions: dict[str, int]) -> None:
        if not orders:
            return
        ids = [o.id for o in orders]
        old = dict(conn.execute(select(ORDERS.c.id, ORDERS.c.position).where(ORDERS.c.workspace_id == ws, ORDERS.c.id.in_(ids))).all())
        stale = list(conn.execute(select(SHIPMENTS.c.id).where(SHIPMENTS.c.workspace_id == ws, SHIPMENTS.c.order_id.in_(ids))).scalars())
        conn.execute(_ids(EVENTS, "shipment_id", ws, stale + [s.id for o in orders for s in o.shipments]))
        for table in (ORDERS, ITEMS, TRANSACTIONS, SHIPMENTS):
            conn.execute(_ids(table, "id" if table is ORDERS else "order_id", ws, ids))
        conn.execute(insert(ORDERS), [{"workspace_id": ws, "id": o.id, "customer_id": o.customer_id,
                                       "position": positions.get(o.id, old.get(o.id, 10 ** 6)), "status": o.status,
                                       "address": o.address.model_dump(), "currency": o.currency, "placed_at": o.placed_at,
                                       "details": o.details} for o in orders])
        conn.execute(insert(ITEMS), [{"workspace_id": ws, "order_id": o.id, "position": i, **it.model_dump()}
                                     for o in orders for i, it in enumerate(o.items)])
        rows = [{"workspace_id": ws, "order_id": o.id, "position": i, **t.model_dump()} for o in orders for i, t in enumerate(o.transactions)]
        if rows:
            conn.execute(insert(TRANSACTIONS), rows)
        rows = [{"workspace_id": ws, "id": s.id, "order_id": o.id, "position": i, **s.model_dump(exclude={"id", "events"})}
                for o in orders for i, s in enumerate(o.shipments)]
        if rows:
            conn.execute(insert(SHIPMENTS), rows)
        rows = [{"workspace_id": ws, "shipment_id": s.id, "seq": i, **e.model_dump()} for o in orders for s in o.shipments
                for i, e in enumerate(s.events)]
        if rows:
            conn.execute(insert(EVENTS), rows)

    # -- reading ----------------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(t).where(t.c.workspace_id == self.workspace_id)).scalar()
                    for name, t in (("customers", CUSTOMERS), ("products", PRODUCTS), ("variants", VARIANTS), ("orders", ORDERS),
                                    ("shipments", SHIPMENTS))}

    def customers(self, ids: list[str] | None = None, *, conn: Connection | None = None) -> list[Customer]:
        if conn is None:
            with self.engine.connect() as own:
                return self.customers(ids, conn=own)
        ws = self.workspace_id
        query = select(CUSTOMERS).where(CUSTOMERS.c.workspace_id == ws)
        pms = select(PAYMENTS).where(PAYMENTS.c.workspace_id == ws)
        if ids is not None:
            query, pms = query.where(CUSTOMERS.c.id.in_(ids)), pms.where(PAYMENTS.c.customer_id.in_(ids))
        methods = defaultdict(list)
        for p in conn.execute(pms.order_by(PAYMENTS.c.customer_id, PAYMENTS.c.position)):
            methods[p.customer_id].append(PaymentMethod(id=p.id, kind=p.kind, balance=p.balance, details=p.details))
        return [Customer(id=c.id, first_name=c.first_name, last_name=c.last_name, email=c.email, language=c.language,
                         address=Address(**c.address), payment_methods=methods[c.id], source=c.source)
                for c in conn.execute(query.order_by(CUSTOMERS.c.id))]

    def customer(self, customer_id: str, *, conn: Connection | None = None) -> Customer:
        found = self.customers([customer_id], conn=conn)
        if not found:
            raise NotFoundError(f"no customer {customer_id!r} in this shop", hint="find them by email, or by name and zip")
        return found[0]

    def find_customer(self, *, email: str | None = None, first_name: str | None = None, last_name: str | None = None,
                      zip: str | None = None) -> str | None:
        """A customer id by email (case-insensitive), or by first name, last name and zip together; None if none or ambiguous."""
        query = select(CUSTOMERS.c.id, CUSTOMERS.c.address).where(CUSTOMERS.c.workspace_id == self.workspace_id)
        if email:
            query = query.where(func.lower(CUSTOMERS.c.email) == email.strip().lower())
        elif first_name and last_name and zip:
            query = query.where(func.lower(CUSTOMERS.c.first_name) == first_name.strip().lower(),
                                func.lower(CUSTOMERS.c.last_name) == last_name.strip().lower())
        else:
            return None
        with self.engine.connect() as conn:
            rows = [r for r in conn.execute(query) if email or str(r.address.get("zip", "")).strip() == zip.strip()]
        return rows[0].id if len(rows) == 1 else None

    def customers_at_zip(self, zip: str) -> list[tuple[str, str, str]]:
        """(id, first name, last name) of the customers whose default address has this postal code."""
        query = select(CUSTOMERS.c.id, CUSTOMERS.c.first_name, CUSTOMERS.c.last_name).where(
            CUSTOMERS.c.workspace_id == self.workspace_id, CUSTOMERS.c.address["zip"].as_string() == zip.strip())
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query.order_by(CUSTOMERS.c.id))]

    def order_ids(self, customer_id: str | None = None, *, status: str | None = None, limit: int | None = None,
                  offset: int = 0) -> list[str]:
        """Order ids: a customer's in their own order, else every one newest first (placed_at, then id)."""
        query = self._order_query(select(ORDERS.c.id), customer_id, status)
        query = query.order_by(ORDERS.c.position, ORDERS.c.id) if customer_id is not None else \
            query.order_by(ORDERS.c.placed_at.desc(), ORDERS.c.id.desc())
        with self.engine.connect() as conn:
            return list(conn.execute(query.limit(limit).offset(offset)).scalars())

    def count_orders(self, customer_id: str | None = None, *, status: str | None = None) -> int:
        with self.engine.connect() as conn:
            return conn.execute(self._order_query(select(func.count()).select_from(ORDERS), customer_id, status)).scalar()

    def _order_query(self, query, customer_id: str | None, status: str | None):
        query = query.where(ORDERS.c.workspace_id == self.workspace_id)
        if customer_id is not None:
            query = query.where(ORDERS.c.customer_id == customer_id)
        if status is not None:
            query = query.where(ORDERS.c.status == status)
        return query

    def orders(self, ids: list[str] | None = None, *, conn: Connection | None = None) -> list[Order]:
        if conn is None:
            with self.engine.connect() as own:
                return self.orders(ids, conn=own)
        ws = self.workspace_id

        def rows(table, key="order_id", order=("position",)):
            query = select(table).where(table.c.workspace_id == ws)
            if ids is not None:
                query = query.where(table.c[key].in_(ids))
            return conn.execute(query.order_by(*(table.c[c] for c in order)))

        items, txs, ships = defaultdict(list), defaultdict(list), defaultdict(list)
        for r in rows(ITEMS):
            items[r.order_id].append(OrderItem(item_id=r.item_id, product_id=r.product_id, name=r.name, price=r.price, options=r.options))
        for r in rows(TRANSACTIONS):
            txs[r.order_id].append(Transaction(kind=r.kind, amount=r.amount, payment_method_id=r.payment_method_id))
        shipment_rows = list(rows(SHIPMENTS))
        events = defaultdict(list)
        if shipment_rows:
            sids = [s.id for s in shipment_rows]
            for start in range(0, len(sids), 500):
                for e in conn.execute(select(EVENTS).where(EVENTS.c.workspace_id == ws, EVENTS.c.shipment_id.in_(sids[start:start + 500]))
                                      .order_by(EVENTS.c.shipment_id, EVENTS.c.seq)):
                    events[e.shipment_id].append(TrackingEvent(at=e.at, status=e.status, location=e.location, note=e.note))
        for s in shipment_rows:
            ships[s.order_id].append(Shipment(id=s.id, carrier=s.carrier, tracking_numbers=s.tracking_numbers, item_ids=s.item_ids,
                                              events=events[s.id]))
        return [Order(id=o.id, customer_id=o.customer_id, status=o.status, address=Address(**o.address), currency=o.currency,
                      placed_at=o.placed_at, items=items[o.id], transactions=txs[o.id], shipments=ships[o.id], details=o.details)
                for o in rows(ORDERS, key="id", order=("customer_id", "position", "id"))]

    def order(self, order_id: str, *, conn: Connection | None = None) -> Order:
        found = self.orders([order_id], conn=conn)
        if not found:
            raise NotFoundError(f"no order {order_id!r} in this shop", hint="order ids look like #W0000000; list a customer's orders")
        return found[0]

    def products(self, ids: list[str] | None = None, *, conn: Connection | None = None) -> list[Product]:
        if conn is None:
            with self.engine.connect() as own:
                return self.products(ids, conn=own)
        ws = self.workspace_id
        query, vq = select(PRODUCTS).where(PRODUCTS.c.workspace_id == ws), select(VARIANTS).where(VARIANTS.c.workspace_id == ws)
        if ids is not None:
            query, vq = query.where(PRODUCTS.c.id.in_(ids)), vq.where(VARIANTS.c.product_id.in_(ids))
        variants = defaultdict(list)
        for v in conn.execute(vq.order_by(VARIANTS.c.product_id, VARIANTS.c.position)):
            variants[v.product_id].append(Variant(item_id=v.item_id, options=v.options, price=v.price, currency=v.currency, available=v.available))
        return [Product(id=p.id, name=p.name, category=p.category, attributes=p.attributes, variants=variants[p.id],
                        catalog_offer_id=p.catalog_offer_id) for p in conn.execute(query.order_by(PRODUCTS.c.id))]

    def product(self, product_id: str, *, conn: Connection | None = None) -> Product:
        found = self.products([product_id], conn=conn)
        if not found:
            raise NotFoundError(f"no product {product_id!r} in this shop", hint="list the product types")
        return found[0]

    # -- tau-bench's layout -----------------------------------------------------------------------------------
    def export_tau(self, customer_ids: list[str] | None = None) -> dict:
        """The whole shop as tau-bench's ``users``, ``orders`` and ``products`` (what its reward compares); with
        ``customer_ids``, only those customers and their orders (and every product)."""
        def money(v: Decimal) -> float:
            return float(v)

        users = {}
        for c in self.customers(customer_ids):
            methods = {}
            for p in c.payment_methods:
                methods[p.id] = {"source": p.kind, **p.details, "id": p.id, **({"balance": money(p.balance)} if p.balance is not None else {})}
            users[c.id] = {"name": {"first_name": c.first_name, "last_name": c.last_name}, "address": c.address.model_dump(),
                           "email": c.email, "payment_methods": methods, "orders": []}
        orders = {}
        order_ids = None if customer_ids is None else [i for c in customer_ids for i in self.order_ids(c)]
        for o in self.orders(order_ids):
            if o.customer_id in users:
                users[o.customer_id]["orders"].append(o.id)
            orders[o.id] = {"order_id": o.id, "user_id": o.customer_id, "address": o.address.model_dump(),
                            "items": [{"name": i.name, "product_id": i.product_id, "item_id": i.item_id, "price": money(i.price),
                                       "options": i.options} for i in o.items],
                            "fulfillments": [{"tracking_id": s.tracking_numbers, "item_ids": s.item_ids} for s in o.shipments],
                            "status": o.status,
                            "payment_history": [{"transaction_type": t.kind, "amount": money(t.amount), "payment_method_id": t.payment_method_id}
                                                for t in o.transactions],
                            **o.details}
        products = {p.id: {"name": p.name, "product_id": p.id,
                           "variants": {v.item_id: {"item_id": v.item_id, "options": v.options, "available": v.available, "price": money(v.price)}
                                        for v in p.variants}} for p in self.products()}
        return {"users": users, "orders": orders, "products": products}


__all__ = ["ShopRepository"]
