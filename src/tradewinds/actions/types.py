"""Action types: what an agent or a user may do that changes an order, a listing, a price, a campaign or money.

A type is a class with typed parameters (a Pydantic model) and its effect (``write`` or ``money``). It plans the
change from the stored state (read only), applies it inside the ledger's transaction (so the effect, the action
record and its audit event commit together or not at all) and, where it can be reversed, undoes it. Types register
the way a plugin would: :func:`register` here, or an entry point in the ``tradewinds.actions`` group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from ..accounts import Role
from ..errors import BadInputError, ConflictError
from .schemas import ActionRecord, Change, Effect


class ActionType(ABC):
    name: ClassVar[str]
    effect: ClassVar[Effect]
    params_model: ClassVar[type[BaseModel]]
    min_role: ClassVar[Role] = Role.operator  # the least role that may ask for it
    reversible: ClassVar[bool] = False

    def amount(self, params: BaseModel) -> tuple[Decimal, str] | None:
        """(amount, ISO 4217 currency) a money action moves."""
        return None

    def counterparty(self, params: BaseModel) -> str | None:
        """Whom it concerns (a customer, an order), for per-counterparty limits."""
        return None

    @abstractmethod
    def plan(self, conn: Connection, workspace_id: str, params: BaseModel) -> Change:
        """The exact change, from the stored state; raise BadInputError or NotFoundError when it cannot be done."""

    @abstractmethod
    def apply(self, conn: Connection, workspace_id: str, params: BaseModel, change: Change) -> dict[str, Any]:
        """Do it, on ``conn`` (the ledger's transaction). Returns the result to store and replay."""

    def undo(self, conn: Connection, workspace_id: str, record: ActionRecord) -> dict[str, Any]:
        raise ConflictError(f"action type {self.name} cannot be undone", hint="make a new action that reverses it")


_TYPES: dict[str, ActionType] = {}


def register(action_type: ActionType) -> ActionType:
    if action_type.name in _TYPES and type(_TYPES[action_type.name]) is not type(action_type):
        raise ValueError(f"action type {action_type.name!r} is registered twice")
    _TYPES[action_type.name] = action_type
    return action_type


@cache
def _plugins() -> None:
    for ep in entry_points(group="tradewinds.actions"):
        register(ep.load()())


def get(name: str) -> ActionType:
    _plugins()
    if name not in _TYPES:
        known = ", ".join(sorted(_TYPES)) or "none registered"
        raise BadInputError(f"unknown action type {name!r}", hint=f"one of: {known}")
    return _TYPES[name]


def registered() -> list[str]:
    _plugins()
    return sorted(_TYPES)
