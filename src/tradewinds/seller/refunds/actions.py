"""``refund.execute``: carry out a refund decision through the action ledger (the money firewall).

The parameters must be the decision stored for the case (the agent's, or the person's who resolved it): the ledger
cannot be asked to pay what nobody decided. ``plan`` reads the case again inside the ledger's transaction and
re-checks the written rules against the shop's current policy and every refund already executed: never more than
was paid, never the same item twice, the windows. Inside the merchant's limits it applies at once; above
``approval_above`` it waits in the approval queue.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ...actions.schemas import Change
from ...actions.types import ActionType
from ...errors import ConflictError
from ...shop.actions import Refused
from ...shop.policy import PolicyStore
from .policy import RefundRules
from .schemas import REFUNDING
from .store import RefundStore


class ExecuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(min_length=1, max_length=80)
    decision: str = Field(pattern="^(refund_with_return|returnless_refund|partial_refund|exchange|reject)$")
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class ExecuteRefund(ActionType):
    name, effect = "refund.execute", "money"
    params_model = ExecuteIn

    def counterparty(self, params):
        return params.case_id

    def amount(self, params, change):
        return Decimal(change.after["amount"]), change.after["currency"]

    def plan(self, conn, ws, params):
        store = RefundStore(conn.engine, ws)
        stored = store.get(params.case_id, conn=conn)
        case, decided = stored.case, stored.decision
        if stored.status == "executed":
            raise ConflictError(f"refund case {case.case_id} was already carried out ({decided.decision} {decided.refund_amount} {case.currency})",
                                hint="a case is carried out once")
        if (decided.decision, decided.refund_amount, decided.currency) != (params.decision, params.amount, params.currency):
            raise Refused(f"case {case.case_id} was decided as {decided.decision} {decided.refund_amount} {decided.currency}, "
                          f"not {params.decision} {params.amount} {params.currency}", hint="resolve the case with the new decision first",
                          rule="not_decided", case=case.case_id)
        rules = RefundRules.from_shop(PolicyStore(conn.engine).current(ws)[1])
        key = (case.order_id, case.item_id)
        breaches = rules.breaches(case, params.decision, params.amount, refunded_before=key in store.refunded(conn=conn, but=case.case_id))
        if breaches:
            raise Refused(f"case {case.case_id}: {breaches[0].text}", hint="the merchant's written refund rules bind every decision",
                          rule=breaches[0].fact.removeprefix("policy."), case=case.case_id)
        what = (f"refund {params.amount} {params.currency}" if params.decision in REFUNDING else "no refund") + f" ({params.decision.replace('_', ' ')})"
        return Change(summary=f"case {case.case_id}: {what}" + (f", order {case.order_id}" if case.order_id else ""),
                      after={"status": "executed", "decision": params.decision,
                                                               "amount": str(params.amount), "currency": params.currency})

    def apply(self, conn, ws, params, change):
        store = RefundStore(conn.engine, ws)
        case = store.get(params.case_id, conn=conn).case
        store.set_status(params.case_id, "executed", conn=conn)
        result = {"status": "executed", "decision": params.decision, "amount": str(params.amount)}
        if case.order_id and params.decision != "reject":
            result["order"] = _write_to_order(conn, ws, case, params)
        return result


def _write_to_order(conn, ws, case, params) -> str | None:
    """A case about a shop order: a refund without return (or a partial one) is paid back the way the order was paid;
    a refund with return or an exchange is noted on the order, to be carried out when the item is back."""
    from ...errors import NotFoundError
    from ...shop.repository import ShopRepository
    from ...shop.schemas import Transaction

    shop = ShopRepository(conn.engine, ws)
    try:
        order = shop.order(case.order_id, conn=conn)
    except NotFoundError:
        return None  # a case from a file, about an order this shop does not hold
    if params.decision in ("returnless_refund", "partial_refund") and params.amount > 0:
        method = next((t.payment_method_id for t in order.transactions if t.kind == "payment"), "original")
        update = {"transactions": [*order.transactions, Transaction(kind="refund", amount=params.amount, payment_method_id=method)]}
        what = f"refunded {params.amount} {order.currency} to {method}"
    else:
        key = "refund_on_return" if params.decision == "refund_with_return" else "exchange_on_return"
        update = {"details": {**order.details, key: {**order.details.get(key, {}), case.item_id or "item": str(params.amount)}}}
        what = f"{key.replace('_', ' ')} noted"
    shop.write(orders=[order.model_copy(update=update)], conn=conn)
    return what
