"""`tradewinds actions ...` and `tradewinds audit verify`: the approval queue, kill switches and the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ._output import console

actions_app = typer.Typer(help="The action ledger: pending approvals, decisions, kill switches, the audit trail.",
                          no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


def _ledger():
    from ..actions import ActionLedger
    from ..db import open_database
    from ..settings import get_settings

    settings = get_settings()
    return ActionLedger(open_database(settings.resolved_database_url), settings.fx_rates), settings


def _me(settings):
    """The CLI acts as a named local user (an owner of the machine's workspace on first use), with that user's role."""
    from ..accounts.service import Accounts
    from ..db import open_database
    from .accounts import local_user

    accounts = Accounts(open_database(settings.resolved_database_url))
    return accounts.local_principal(settings.workspace, local_user(settings)).actor


@actions_app.command("list")
def list_actions(status: Annotated[str | None, typer.Option(help="pending_approval, applied, rejected or undone")] = None,
                 limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Actions of the workspace, newest first (`--status pending_approval` is the approval queue)."""
    ledger, settings = _ledger()
    table = Table(title=f"Actions in workspace {settings.workspace}")
    for col in ("id", "type", "status", "amount", "by", "what", "why"):
        table.add_column(col, overflow="fold")
    for r in ledger.list(settings.workspace, status=status, limit=limit):
        amount = f"{r.amount:,.2f} {r.currency}" if r.amount is not None else ""
        table.add_row(r.id, r.type, r.status, amount, str(r.actor), r.change.summary, r.reason)
    console.print(table)


@actions_app.command("approve")
def approve(action_id: str, reason: Annotated[str, typer.Option(help="Why it may go ahead")]) -> None:
    """Apply a pending action (its effect is re-checked against the current state and limits first)."""
    ledger, settings = _ledger()
    r = ledger.approve(settings.workspace, action_id, _me(settings), reason)
    console.print(f"{r.id}: {r.status} — {r.change.summary}")


@actions_app.command("reject")
def reject(action_id: str, reason: Annotated[str, typer.Option(help="Why it must not happen")]) -> None:
    ledger, settings = _ledger()
    r = ledger.reject(settings.workspace, action_id, _me(settings), reason)
    console.print(f"{r.id}: {r.status}")


@actions_app.command("stop")
def stop(reason: Annotated[str, typer.Option(help="Why actions must stop")],
         agent: Annotated[str, typer.Option(help="One agent's name; default every action of the workspace")] = "*") -> None:
    """Turn a kill switch on: new actions are refused at once and pending ones held."""
    _kill_switch(True, reason, agent)


@actions_app.command("resume")
def resume(reason: Annotated[str, typer.Option(help="Why it is safe again")],
           agent: Annotated[str, typer.Option(help="One agent's name; default the workspace's switch")] = "*") -> None:
    """Turn a kill switch off (admins and owners)."""
    _kill_switch(False, reason, agent)


def _kill_switch(on: bool, reason: str, agent: str) -> None:
    ledger, settings = _ledger()
    ledger.set_kill_switch(settings.workspace, on, _me(settings), reason, agent=agent)
    console.print(f"kill switch {'on' if on else 'off'} for {'the workspace' if agent == '*' else 'agent ' + agent}")


@audit_app.command("verify")
def verify(workspace: Annotated[str | None, typer.Option(help="One workspace; default all")] = None) -> None:
    """Recompute every hash of the audit trail; exit status 1 when anything was changed, inserted or removed."""
    from ..actions import verify as verify_chain
    from ..db import open_database
    from ..settings import get_settings

    report = verify_chain(open_database(get_settings().resolved_database_url), workspace)
    for problem in report.problems:
        console.print(f"[red]tampered:[/] {problem}")
    noun = "event" if report.events == 1 else "events"
    if report.ok:
        console.print(f"audit trail intact: {report.events} {noun} in {report.workspaces} workspace(s)")
        return
    console.print(f"[red]audit trail NOT intact[/]: {len(report.problems)} problem(s) in {report.events} {noun}")
    raise typer.Exit(1)
