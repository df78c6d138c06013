"""The merchant's shop: customers, products and variants, orders, payments, shipments with tracking, and the
after-sales policy, card disputes, per workspace (one shop each). Agents read it through :class:`ShopRepository`
(and :class:`DisputeStore`) and change it only through the action ledger's shop action types."""

from .disputes import Dispute, DisputeStore
from .repository import ShopRepository

__all__ = ["Dispute", "DisputeStore", "ShopRepository"]
