"""The action ledger: every action that moves money or changes an order, listing, price or campaign."""

from .audit import verify
from .ledger import ActionLedger
from .schemas import ActionRecord, ActionRequest, Change, Limits, Policy, Preview
from .types import ActionType, register

__all__ = ["ActionLedger", "ActionRecord", "ActionRequest", "ActionType", "Change", "Limits", "Policy", "Preview",
           "register", "verify"]
