"""Action types: what an agent or a user may do that changes an order, a listing, a price, a campaign or money.

A type is a class with typed parameters (a Pydantic model) and its effect (``write`` or ``money``). It plans the
change from the stored state (read only), applies it inside the ledger's transaction (so the effect, the action
record and its audit event commit together or not at all) and, where it can be reversed, undoes it. Types register
the way a plugin would: :func:`register` here, or an entry point in the ``tradewinds.actions`` group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.engine import Connection

from ..accounts import Role
from ..errors import BadInputError, ConfigError, ConflictError
from ..plugins import Registry
from .schemas import ActionRecord, Change, Effect


class ActionType(ABC):
    name: ClassVar[str]
    effect: ClassVar[Effect]
    params_model: ClassVar[type[BaseModel]]
    min_role: ClassVar[Role] = Role.operator  # the least role that may ask for it
    reversible: ClassVar[bool] = False
    always_approve: ClassVar[bool] = False  # every action of the type waits for a person, whatever the policy's limits

    def amount(self, params: BaseModel, change: Change) -> tuple[Decimal, str] | None:
        """(amount, ISO 4217 currency) a money action moves: from its parameters, or from the planned change when
        the stored state decides it (a cancelled order refunds what was paid)."""
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


TYPES: Registry[ActionType] = Registry("action type", "tradewinds.actions")


def register(action_type: ActionType) -> ActionType:
    """Register an instance (built-in types and tests); installed packages use the entry-point group instead."""
    return TYPES.register(action_type.name)(action_type)


def get(name: str) -> ActionType:
    try:
        found = TYPES.get(name)
    except ConfigError:  # a request naming a type nobody registered is the caller's mistake
        raise BadInputError(f"unknown action type {name!r}", hint=f"one of: {', '.join(TYPES.names()) or 'none registered'}") from None
    return found() if isinstance(found, type) else found  # an entry point may name the class


def registered() -> list[str]:
    return TYPES.names()
