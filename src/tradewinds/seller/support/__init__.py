"""AI customer service grounded in the shop's orders, logistics, products and after-sales policy (see agent.py)."""

from .agent import SupportAgent
from .schemas import Handoff, Pending, Reply, Request, State

__all__ = ["Handoff", "Pending", "Reply", "Request", "State", "SupportAgent"]
