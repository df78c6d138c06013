"""The merchant's shop: customers, products and variants, orders, payments, shipments with tracking, and the
after-sales policy, per workspace (one shop each). Agents read it through :class:`ShopRepository` and change it
only through the action ledger's shop action types."""

from .repository import ShopRepository

__all__ = ["ShopRepository"]
