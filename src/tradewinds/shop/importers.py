"""Shops in: tau-bench's retail JSON layout (a directory with users.json, orders.json, products.json), tau2's single
db.json, Shopify's orders CSV export (:mod:`.shopify`), and the shop's own JSONL (one record a line: ``{"type":
"customer" | "product" | "order", ...}``, the fields of :mod:`tradewinds.shop.schemas`).

Like the catalog importers: every record is validated; a bad one is reported with its file, record, field, what was
expected and how to fix it, and is not written; the good ones are. Importing the same file again changes nothing
(records are keyed by their ids, and a record sent again replaces itself).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import BadInputError
from . import shopify
from .repository import ShopRepository
from .schemas import Customer, ImportReport, Order, Product

FORMATS = ("tau", "tau2", "jsonl", "shopify")


def detect(path: Path) -> str:
    if path.is_dir():
        if (path / "db.json").exists():
            return "tau2"
        if (path / "orders.json").exists():
            return "tau"
        raise BadInputError(f"{path}: no users.json/orders.json/products.json (tau-bench) or db.json (tau2) in this folder",
                            hint="point at the shop's folder, or pass --format")
    if path.name == "db.json":
        return "tau2"
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    if path.suffix.lower() == ".csv" and shopify.looks_like(path):
        return "shopify"
    raise BadInputError(f"{path}: cannot tell the shop format from the name", hint=f"pass --format, one of: {', '.join(FORMATS)}")


def _error(file: str, row: str, exc: ValidationError | Exception) -> list[dict]:
    if isinstance(exc, ValidationError):
        return [{"file": file, "row": row, "field": ".".join(str(p) for p in e["loc"]) or "-", "message": e["msg"],
                 "hint": f"got {str(e.get('input'))[:80]!r}" if "input" in e and e["type"] != "missing" else ""} for e in exc.errors()[:5]]
    return [{"file": file, "row": row, "field": "-", "message": str(exc), "hint": ""}]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{path}: missing", hint="a tau-bench shop has users.json, orders.json and products.json") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{path}: not JSON ({exc})", hint="export the shop again, as UTF-8 JSON") from None


# -- tau-bench's records --------------------------------------------------------------------------------------
def tau_customer(user_id: str, u: dict) -> Customer:
    methods = []
    for pid, p in (u.get("payment_methods") or {}).items():
        details = {k: str(v) for k, v in p.items() if k not in ("source", "id", "balance")}
        methods.append({"id": p.get("id", pid), "kind": p.get("source"), "balance": p.get("balance"), "details": details})
    name = u.get("name") or {}
    return Customer(id=user_id, first_name=name.get("first_name", ""), last_name=name.get("last_name", ""), email=u.get("email", ""),
                    address=u.get("address"), payment_methods=methods, source="tau-bench")


def tau_product(pid: str, p: dict) -> Product:
    return Product(id=p.get("product_id", pid), name=p.get("name", ""), variants=[
        {"item_id": v.get("item_id", vid), "options": v.get("options", {}), "price": v.get("price"), "available": v.get("available", True)}
        for vid, v in (p.get("variants") or {}).items()])


TAU_ORDER_KEYS = {"order_id", "user_id", "address", "items", "fulfillments", "status", "payment_history"}


def tau_order(oid: str, o: dict) -> Order:
    order_id = o.get("order_id", oid)
    return Order(id=order_id, customer_id=o.get("user_id", ""), status=o.get("status"), address=o.get("address"), items=o.get("items"),
                 transactions=[{"kind": t.get("transaction_type"), "amount": t.get("amount"), "payment_method_id": t.get("payment_method_id")}
                               for t in o.get("payment_history") or []],
                 shipments=[{"id": f"{order_id}-{n + 1}", "tracking_numbers": f.get("tracking_id", []), "item_ids": f.get("item_ids", [])}
                            for n, f in enumerate(o.get("fulfillments") or [])],
                 details={k: v for k, v in o.items() if k not in TAU_ORDER_KEYS})


def _tau(users: dict, orders: dict, products: dict, files: tuple[str, str, str]) -> tuple[list, list, list, dict, list]:
    good: tuple[list, list, list] = ([], [], [])
    errors: list[dict] = []
    for (file, records, build), out in zip(((files[0], users, tau_customer), (files[2], products, tau_product),
                                           (files[1], orders, tau_order)), good):
        if not isinstance(records, dict):
            raise BadInputError(f"{file}: expected an object keyed by id, got {type(records).__name__}", hint="is this a tau-bench shop?")
        for key, record in records.items():
            try:
                out.append(build(key, record))
            except (ValidationError, AttributeError, TypeError) as exc:
                errors.extend(_error(file, key, exc))
    positions = {oid: i for u in users.values() if isinstance(u, dict) for i, oid in enumerate(u.get("orders") or [])}
    return *good, positions, errors


def read_shop(path: Path, fmt: str | None = None) -> tuple[list[Customer], list[Product], list[Order], dict[str, int], list[dict], str]:
    """Parse a shop without writing it: (customers, products, orders, order positions, errors, format)."""
    path = Path(path)
    fmt = fmt or detect(path)
    if fmt == "tau":
        d = path if path.is_dir() else path.parent
        return (*_tau(_read_json(d / "users.json"), _read_json(d / "orders.json"), _read_json(d / "products.json"),
                      (str(d / "users.json"), str(d / "orders.json"), str(d / "products.json"))), fmt)
    if fmt == "tau2":
        f = path / "db.json" if path.is_dir() else path
        db = _read_json(f)
        if not isinstance(db, dict) or not {"users", "orders", "products"} <= set(db):
            raise BadInputError(f"{f}: expected an object with users, orders and products", hint="is this tau2's retail db.json?")
        return (*_tau(db["users"], db["orders"], db["products"], (f"{f}#users", f"{f}#orders", f"{f}#products")), fmt)
    if fmt == "jsonl":
        return (*_jsonl(path), fmt)
    if fmt == "shopify":
        return (*shopify.read_orders_csv(path), fmt)
    raise BadInputError(f"unknown shop format {fmt!r}", hint=f"one of: {', '.join(FORMATS)}")


_TYPES: dict[str, type[BaseModel]] = {"customer": Customer, "product": Product, "order": Order}


def _jsonl(path: Path):
    good: dict[str, list] = {"customer": [], "product": [], "order": []}
    errors: list[dict] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise BadInputError(f"{path}: no such file", hint="check the path") from None
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", hint="save it as UTF-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind = record.pop("type", None) if isinstance(record, dict) else None
            if kind not in _TYPES:
                raise ValueError(f"'type' must be one of customer, product, order; got {kind!r}")
            good[kind].append(_TYPES[kind].model_validate(record))
        except ValidationError as exc:
            errors.extend(_error(str(path), f"line {n}", exc))
        except ValueError as exc:  # JSONDecodeError included
            errors.extend(_error(str(path), f"line {n}", exc))
    return good["customer"], good["product"], good["order"], {}, errors


def import_shop(repo: ShopRepository, path: Path, fmt: str | None = None) -> ImportReport:
    path = Path(path)
    customers, products, orders, positions, errors, fmt = read_shop(path, fmt)
    order_file = {"tau": lambda: str((path if path.is_dir() else path.parent) / "orders.json"),
                  "tau2": lambda: f"{path / 'db.json' if path.is_dir() else path}#orders"}.get(fmt, lambda: str(path))()
    known = {c.id for c in customers} | {c.id for c in repo.customers([o.customer_id for o in orders if o.customer_id])}
    kept = []
    for o in orders:  # an order of nobody is refused, not written half-linked
        if o.customer_id in known:
            kept.append(o)
        else:
            errors.append({"file": order_file, "row": o.id, "field": "customer_id", "message": f"no customer {o.customer_id!r}",
                           "hint": "import the customer too (in the same file, or before)"})
    repo.write(customers=customers, products=products, orders=kept, order_positions=positions)
    return ImportReport(source=str(path), format=fmt, customers=len(customers), products=len(products), orders=len(kept), errors=errors)
