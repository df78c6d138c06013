"""The money firewall: every action that moves money or changes an order, a listing, a price or a campaign goes
through :class:`ActionLedger`, never straight to the store.

One transaction per decision: the workspace's audit head is locked first (serialising the workspace's writers on
SQLite and PostgreSQL), then the idempotency key is looked up, the kill switches and the policy's limits checked,
and the effect, the action record and its audit event written together: a crash leaves all of them or none. A
refusal writes nothing but its audit event, so a retry after the limit resets or the switch is lifted can succeed.
"""

from __future__ import annotations

import base64
import os
from types import SimpleNamespace
from decimal import ROUND_HALF_UP, Decimal

from pydantic import ValidationError
from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.engine import Connection, Engine

from ..accounts import Actor, Role, at_least, rank
from ..errors import BadInputError, ConflictError, NotFoundError, PermissionDeniedError, RefusedError
from ..trade import fx
from . import audit, types
from .schemas import ActionRecord, ActionRequest, Change, Decision, Limits, Policy, Preview, canonical, digest
from .tables import ActionRow, KillSwitchRow, PolicyRow

_ACTIONS, _SWITCHES, _POLICIES = ActionRow.__table__, KillSwitchRow.__table__, PolicyRow.__table__

_CENT = Decimal("0.0001")
ALL_AGENTS = "*"


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


class ActionLedger:
    def __init__(self, engine: Engine, fx_rates: dict[str, float] | None = None) -> None:
        self.engine = engine
        self.fx_rates = fx_rates if fx_rates is not None else fx.default_rates()

    # -- asking ---------------------------------------------------------------------------------------------
    def preview(self, request: ActionRequest) -> Preview:
        """The exact effect and the policy's decision; writes nothing."""
        atype, params = self._parse(request)
        with self.engine.connect() as conn:
            policy = self.policy(request.workspace_id, conn)
            change = atype.plan(conn, request.workspace_id, params)
            amount, currency, in_policy = self._amount(atype, params, change, policy)
            decision = self._killed(conn, request.workspace_id, request.actor) or self._decide(
                conn, request.workspace_id, atype, policy, in_policy, atype.counterparty(params), request.actor)
        return Preview(type=atype.name, effect=atype.effect, change=change, amount=amount, currency=currency,
                       amount_in_policy_currency=in_policy, counterparty=atype.counterparty(params), decision=decision,
                       policy_version=policy.version)

    def submit(self, request: ActionRequest) -> ActionRecord:
        """Apply the action, queue it for approval, or refuse it (RefusedError, with the limit named)."""
        atype, params = self._parse(request)
        ws, actor = request.workspace_id, request.actor
        request_hash = digest({"type": atype.name, "params": params.model_dump(mode="json")})
        refused: Decision | None = None
        with self.engine.begin() as conn:
            audit.lock(conn, ws)
            row = self._by_key(conn, ws, request.idempotency_key)
            if row is not None:
                if row.request_hash != request_hash:
                    raise ConflictError(f"idempotency key {request.idempotency_key!r} was used for another request "
                                        f"({row.type}, action {row.id})", hint="use a new key for a new action")
                return self._record(row, replayed=True)
            policy = self.policy(ws, conn)
            change = atype.plan(conn, ws, params)
            amount, currency, in_policy = self._amount(atype, params, change, policy)
            counterparty = atype.counterparty(params)
            decision = self._killed(conn, ws, actor) or self._decide(conn, ws, atype, policy, in_policy, counterparty, actor)
            inputs = {"type": atype.name, "params": params.model_dump(mode="json"), "idempotency_key": request.idempotency_key,
                      "reason": request.reason, "amount": in_policy, "currency": policy.currency if in_policy is not None else None}
            if decision.outcome == "refused":
                audit.append(conn, ws, "action.refused", actor, {**inputs, "why": decision.reason, "limit": decision.limit},
                             policy_version=policy.version)
                refused = decision
            else:
                action_id = "act_" + base64.b32encode(os.urandom(10)).decode().lower()
                status, result = "pending_approval", {}
                if decision.outcome == "apply":
                    result = atype.apply(conn, ws, params, change)
                    status = "applied"
                values = dict(
                    id=action_id, workspace_id=ws, type=atype.name, effect=atype.effect, status=status,
                    idempotency_key=request.idempotency_key, request_hash=request_hash,
                    params=params.model_dump(mode="json"), actor=actor.model_dump(mode="json"),
                    agent=actor.id if actor.kind == "agent" else None, reason=request.reason, counterparty=counterparty,
                    amount=amount, currency=currency, amount_policy=in_policy, change=change.model_dump(mode="json"),
                    result=_json(result), policy_version=policy.version, created_at=(at := audit.now()), day=at[:10],
                    decided_by=None, decided_reason=None)
                conn.execute(insert(_ACTIONS).values(**values))
                audit.append(conn, ws, "action.applied" if status == "applied" else "action.requested", actor,
                             {**inputs, "before": change.before, "after": change.after, "result": result,
                              "decision": decision.reason}, action_id=action_id, policy_version=policy.version)
                row = SimpleNamespace(**values)
        if refused is not None:
            raise RefusedError(refused.reason, hint=_refusal_hint(refused))
        return self._record(row)

    # -- deciding -------------------------------------------------------------------------------------------
    def approve(self, workspace_id: str, action_id: str, approver: Actor, reason: str) -> ActionRecord:
        """Apply a pending action, if the approver may and the policy still allows it (state re-checked now)."""
        return self._decide_pending(workspace_id, action_id, approver, reason, approve=True)

    def reject(self, workspace_id: str, action_id: str, approver: Actor, reason: str) -> ActionRecord:
        return self._decide_pending(workspace_id, action_id, approver, reason, approve=False)

    def _decide_pending(self, ws: str, action_id: str, approver: Actor, reason: str, *, approve: bool) -> ActionRecord:
        if not reason.strip():
            raise BadInputError("a reason is required to approve or reject an action", hint="say why, in a sentence")
        if not at_least(approver.role, Role.operator):
            raise PermissionDeniedError(f"role {approver.role} cannot approve or reject actions",
                                        hint="ask an operator, admin or owner of the workspace")
        refused: Decision | None = None
        with self.engine.begin() as conn:
            audit.lock(conn, ws)
            row = self._row(conn, ws, action_id)
            if row.status != "pending_approval":
                raise ConflictError(f"action {action_id} is {row.status}, not pending approval")
            record = self._record(row)
            if (approver.kind, approver.id) == (record.actor.kind, record.actor.id):
                raise PermissionDeniedError("an action cannot be approved or rejected by whoever asked for it",
                                            hint="another member of the workspace decides")
            policy = self.policy(ws, conn)
            event, values = "action.rejected", {"status": "rejected"}
            if approve:
                if approver.role == Role.operator and record.amount_in_policy_currency is not None and \
                        record.amount_in_policy_currency > policy.operator_approval_limit:
                    raise PermissionDeniedError(
                        f"{_money(record.amount_in_policy_currency)} {policy.currency} is over the operator approval limit "
                        f"of {_money(policy.operator_approval_limit)} {policy.currency}", hint="an admin or owner approves it")
                atype = types.get(row.type)
                params = atype.params_model.model_validate(row.params)
                change = atype.plan(conn, ws, params)
                if canonical(change.model_dump(mode="json")) != canonical(row.change):
                    raise ConflictError(f"what action {action_id} would change is no longer what was asked: "
                                        f"{change.summary}", hint="reject it and ask again with the current state")
                decision = self._killed(conn, ws, record.actor) or self._decide(
                    conn, ws, atype, policy, record.amount_in_policy_currency, record.counterparty, record.actor,
                    approving=True)
                if decision.outcome == "refused":
                    audit.append(conn, ws, "action.approval_refused", approver, {"why": decision.reason, "limit": decision.limit},
                                 action_id=action_id, policy_version=policy.version)
                    refused = decision
                else:
                    result = atype.apply(conn, ws, params, change)
                    event, values = "action.approved", {"status": "applied", "result": _json(result)}
            if refused is None:
                conn.execute(update(_ACTIONS).where(_ACTIONS.c.id == action_id).values(
                    decided_by=approver.model_dump(mode="json"), decided_reason=reason, **values))
                audit.append(conn, ws, event, approver, {"reason": reason, "before": row.change.get("before"),
                                                         "after": row.change.get("after"), "result": values.get("result")},
                             action_id=action_id, policy_version=policy.version)
                row = self._row(conn, ws, action_id)
        if refused is not None:
            raise RefusedError(refused.reason, hint=_refusal_hint(refused))
        return self._record(row)

    def undo(self, workspace_id: str, action_id: str, actor: Actor, reason: str) -> ActionRecord:
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            row = self._row(conn, workspace_id, action_id)
            atype = types.get(row.type)
            if not at_least(actor.role, max(atype.min_role, Role.operator, key=rank)):
                raise PermissionDeniedError(f"role {actor.role} cannot undo {row.type} actions")
            if row.status != "applied":
                raise ConflictError(f"action {action_id} is {row.status}; only an applied action can be undone")
            if killed := self._killed(conn, workspace_id, actor):
                raise RefusedError(killed.reason, hint=_refusal_hint(killed))
            result = atype.undo(conn, workspace_id, self._record(row))
            conn.execute(update(_ACTIONS).where(_ACTIONS.c.id == action_id).values(
                status="undone", result={**row.result, "undo": _json(result)}, decided_by=actor.model_dump(mode="json"),
                decided_reason=reason))
            audit.append(conn, workspace_id, "action.undone", actor, {"reason": reason, "result": result,
                                                                        "before": row.change.get("after"),
                                                                        "after": row.change.get("before")},
                         action_id=action_id, policy_version=row.policy_version)
            return self._record(self._row(conn, workspace_id, action_id))

    # -- the workspace's controls -----------------------------------------------------------------------------
    def set_kill_switch(self, workspace_id: str, on: bool, actor: Actor, reason: str, agent: str = ALL_AGENTS) -> None:
        """Stop (or resume) new actions of the workspace or of one agent at once; pending ones are held while on.
        Anyone who may act may stop; only an admin or owner resumes."""
        if not at_least(actor.role, Role.operator if on else Role.admin):
            raise PermissionDeniedError(f"role {actor.role} cannot {'stop' if on else 'resume'} actions",
                                        hint="an admin or owner resumes actions" if not on else None)
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            where = (_SWITCHES.c.workspace_id == workspace_id) & (_SWITCHES.c.agent == agent)
            values = {"on": on, "actor": actor.model_dump(mode="json"), "reason": reason, "at": audit.now()}
            if not conn.execute(update(_SWITCHES).where(where).values(**values)).rowcount:
                conn.execute(insert(_SWITCHES).values(workspace_id=workspace_id, agent=agent, **values))
            audit.append(conn, workspace_id, "kill_switch.on" if on else "kill_switch.off", actor,
                         {"agent": agent, "reason": reason})

    def set_policy(self, workspace_id: str, policy: Policy, actor: Actor) -> Policy:
        if not at_least(actor.role, Role.admin):
            raise PermissionDeniedError(f"role {actor.role} cannot change the action policy", hint="an admin or owner can")
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            old = self.policy(workspace_id, conn)
            body = policy.model_dump(mode="json")
            values = {"body": body, "version": policy.version, "updated_at": audit.now()}
            if not conn.execute(update(_POLICIES).where(_POLICIES.c.workspace_id == workspace_id).values(**values)).rowcount:
                conn.execute(insert(_POLICIES).values(workspace_id=workspace_id, **values))
            audit.append(conn, workspace_id, "policy.changed", actor, {"from": old.version, "to": policy.version,
                                                                         "policy": body}, policy_version=policy.version)
        return policy

    def policy(self, workspace_id: str, conn: Connection | None = None) -> Policy:
        if conn is None:
            with self.engine.connect() as c:
                return self.policy(workspace_id, c)
        row = conn.execute(select(_POLICIES.c.body).where(_POLICIES.c.workspace_id == workspace_id)).scalar()
        return Policy.model_validate(row) if row is not None else Policy()

    # -- reading ----------------------------------------------------------------------------------------------
    def get(self, workspace_id: str, action_id: str) -> ActionRecord:
        with self.engine.connect() as conn:
            return self._record(self._row(conn, workspace_id, action_id))

    def list(self, workspace_id: str, status: str | None = None, limit: int = 100) -> list[ActionRecord]:
        q = select(_ACTIONS).where(_ACTIONS.c.workspace_id == workspace_id)
        if status:
            q = q.where(_ACTIONS.c.status == status)
        with self.engine.connect() as conn:
            return [self._record(r) for r in conn.execute(q.order_by(_ACTIONS.c.created_at.desc()).limit(limit))]

    def trail(self, workspace_id: str, limit: int = 100):
        with self.engine.connect() as conn:
            return audit.events(conn, workspace_id, limit=limit)

    # -- internals --------------------------------------------------------------------------------------------
    def _parse(self, request: ActionRequest):
        atype = types.get(request.type)
        try:
            params = atype.params_model.model_validate(request.params)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "params"
            raise BadInputError(f"{request.type}: params.{field}: {first['msg']}",
                                hint=f"{len(exc.errors())} problem(s); see the action type's parameters") from exc
        if not at_least(request.actor.role, atype.min_role):
            raise PermissionDeniedError(f"role {request.actor.role} cannot ask for {atype.name}",
                                        hint=f"it needs {atype.min_role} or above")
        return atype, params

    def _amount(self, atype, params, change: Change, policy: Policy):
        got = atype.amount(params, change)
        if got is None:
            return None, None, None
        amount, currency = Decimal(got[0]), got[1]
        if amount < 0:
            raise BadInputError(f"{atype.name}: the amount must not be negative (got {amount})")
        if currency == policy.currency:
            return amount, currency, amount.quantize(_CENT)
        for code in (currency, policy.currency):
            fx.require(code, self.fx_rates, where=f"the action policy's limits ({atype.name})")
        rate = Decimal(str(self.fx_rates[currency])) / Decimal(str(self.fx_rates[policy.currency]))
        return amount, currency, (amount * rate).quantize(_CENT, ROUND_HALF_UP)

    def _killed(self, conn: Connection, ws: str, actor: Actor) -> Decision | None:
        agents = [ALL_AGENTS] + ([actor.id] if actor.kind == "agent" else [])
        row = conn.execute(select(_SWITCHES).where(_SWITCHES.c.workspace_id == ws, _SWITCHES.c.agent.in_(agents),
                                                       _SWITCHES.c.on.is_(True))).first()
        if row is None:
            return None
        scope = "the workspace" if row.agent == ALL_AGENTS else f"agent {row.agent}"
        return Decision(outcome="refused", reason=f"the kill switch of {scope} is on ({row.reason or 'no reason given'})",
                        limit="kill_switch")

    def _decide(self, conn: Connection, ws: str, atype, policy: Policy, amount: Decimal | None, counterparty: str | None,
                actor: Actor, *, approving: bool = False) -> Decision:
        limits: Limits = policy.limits_for(atype.name, atype.effect)
        scope = f"by_type.{atype.name}" if atype.name in policy.by_type else atype.effect
        cur = policy.currency
        day = audit.now()[:10]
        counted = ("applied",) if approving else ("applied", "pending_approval")
        base = (_ACTIONS.c.workspace_id == ws) & (_ACTIONS.c.day == day) & _ACTIONS.c.status.in_(counted)

        def refused(limit: str, why: str) -> Decision:
            return Decision(outcome="refused", reason=f"{why} ({scope}.{limit}, policy {policy.version})", limit=f"{scope}.{limit}")

        def total(where, value) -> object:
            return func.coalesce(func.sum(case((where, value), else_=0)), 0)

        mine = _ACTIONS.c.type == atype.name
        money = _ACTIONS.c.effect == "money"
        # one query for every running total the limits need
        n, today, to_counterparty, by_agent = conn.execute(select(
            total(mine, 1), total(mine, _ACTIONS.c.amount_policy),
            total(money & (_ACTIONS.c.counterparty == counterparty), _ACTIONS.c.amount_policy) if counterparty else literal(0),
            total(money & (_ACTIONS.c.agent == actor.id), _ACTIONS.c.amount_policy) if actor.kind == "agent" else literal(0),
        ).where(base)).one()
        if limits.count_per_day is not None and n + (0 if approving else 1) > limits.count_per_day:
            return refused("count_per_day", f"{atype.name} is limited to {limits.count_per_day} actions per day; "
                                            f"{n} today already")
        if amount is not None:
            if limits.per_action is not None and amount > limits.per_action:
                return refused("per_action", f"{_money(amount)} {cur} is over the per-action limit of "
                                             f"{_money(limits.per_action)} {cur} for {atype.name}")
            checks = [("per_day", limits.per_day, today, f"{atype.name} today"),
                      ("per_counterparty_day", limits.per_counterparty_day if counterparty else None, to_counterparty,
                       f"to {counterparty} today"),
                      ("per_agent_day", limits.per_agent_day if actor.kind == "agent" else None, by_agent,
                       f"by agent {actor.id} today")]
            for name, cap, spent, what in checks:
                if cap is not None and Decimal(spent) + amount > cap:
                    return refused(name, f"{_money(Decimal(spent))} {cur} {what} + {_money(amount)} {cur} is over the limit of "
                                         f"{_money(cap)} {cur}")
        every = limits.approve_all or atype.always_approve
        if not approving and (every or (amount is not None and limits.approval_above is not None and amount > limits.approval_above)):
            why = "every action of this type" if every else f"{_money(amount)} {cur} is over {_money(limits.approval_above)} {cur}"
            return Decision(outcome="needs_approval", reason=f"waits for approval: {why} ({scope}, policy {policy.version})",
                            limit=f"{scope}.{'approve_all' if every else 'approval_above'}")
        return Decision(outcome="apply", reason=f"within the limits of policy {policy.version}")

    def _by_key(self, conn: Connection, ws: str, key: str):
        return conn.execute(select(_ACTIONS).where(_ACTIONS.c.workspace_id == ws, _ACTIONS.c.idempotency_key == key)).first()

    def _row(self, conn: Connection, ws: str, action_id: str):
        row = conn.execute(select(_ACTIONS).where(_ACTIONS.c.workspace_id == ws, _ACTIONS.c.id == action_id)).first()
        if row is None:  # another workspace's action is not found either
            raise NotFoundError(f"no action {action_id!r} in this workspace")
        return row

    @staticmethod
    def _record(row, replayed: bool = False) -> ActionRecord:
        return ActionRecord(id=row.id, workspace_id=row.workspace_id, type=row.type, effect=row.effect, status=row.status,
                            idempotency_key=row.idempotency_key, params=row.params, actor=Actor.model_validate(row.actor),
                            reason=row.reason or "", counterparty=row.counterparty, amount=row.amount, currency=row.currency,
                            amount_in_policy_currency=row.amount_policy, change=Change.model_validate(row.change),
                            result=row.result or {}, policy_version=row.policy_version, created_at=row.created_at,
                            decided_by=Actor.model_validate(row.decided_by) if row.decided_by else None,
                            decided_reason=row.decided_reason, replayed=replayed)


def _json(value: dict) -> dict:
    import json

    return json.loads(canonical(value))


def _refusal_hint(decision: Decision) -> str:
    if decision.limit == "kill_switch":
        return "an admin or owner turns the kill switch off when it is safe"
    return f"nothing was done; raise {decision.limit} in the workspace's action policy, or wait for the day's total to reset"
