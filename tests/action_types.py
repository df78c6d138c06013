"""Action types for the ledger's tests: a money transfer between test accounts and a write that renames one, with
real effects in a real table (created here, on the test database), so every test can see what was or was not done."""

from __future__ import annotations

import os
import time
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import Numeric, bindparam, text

from tradewinds.actions import ActionType, Change, register
from tradewinds.errors import ConflictError


_MOVE = text("INSERT INTO test_wallet VALUES (:w, :a, :m)").bindparams(bindparam("m", type_=Numeric(20, 4)))


def create_wallet(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS test_wallet (workspace_id VARCHAR(64), account VARCHAR(64), "
                          "amount NUMERIC(20, 4))"))


def balance(conn, workspace_id: str, account: str) -> Decimal:
    q = text("SELECT COALESCE(SUM(amount), 0) FROM test_wallet WHERE workspace_id = :w AND account = :a")
    return Decimal(conn.execute(q, {"w": workspace_id, "a": account}).scalar()).quantize(Decimal("0.01"))


def moves(engine, workspace_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM test_wallet WHERE workspace_id = :w"), {"w": workspace_id}).scalar()


class TransferIn(BaseModel):
    to: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(gt=0)
    currency: str = "USD"


class Transfer(ActionType):
    name = "test.transfer"
    effect = "money"
    params_model = TransferIn
    reversible = True

    def amount(self, params, change):
        return params.amount, params.currency

    def counterparty(self, params):
        return params.to

    def plan(self, conn, workspace_id, params):
        now = balance(conn, workspace_id, params.to)
        return Change(summary=f"pay {params.amount} {params.currency} to {params.to}",
                      before={"balance": str(now)}, after={"balance": str((now + params.amount).quantize(Decimal("0.01")))})

    def apply(self, conn, workspace_id, params, change):
        conn.execute(_MOVE, {"w": workspace_id, "a": params.to, "m": params.amount})
        if marker := os.environ.get("TW_TEST_PAUSE_AFTER_EFFECT"):  # the crash test kills the process here
            open(marker, "w").close()
            time.sleep(60)
        return {"paid": str(params.amount)}

    def undo(self, conn, workspace_id, record):
        if str(balance(conn, workspace_id, record.params["to"])) != record.change.after["balance"]:
            raise ConflictError("the balance changed since this transfer")
        conn.execute(_MOVE, {"w": workspace_id, "a": record.params["to"], "m": -Decimal(record.params["amount"])})
        return {"returned": record.params["amount"]}


register(Transfer())
