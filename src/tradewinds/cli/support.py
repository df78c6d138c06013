"""`tradewinds support ...`: talk to the shop's support agent as a customer would, and see its conversations."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ._output import console

support_app = typer.Typer(help="The support agent of the workspace's shop (TRADEWINDS_WORKSPACE).", no_args_is_help=True)


def _agent(strategy: str | None):
    from ..bootstrap import bootstrap
    from ..settings import get_settings

    settings = get_settings()
    return bootstrap(settings).support(settings.workspace, strategy=strategy), settings


def _show(reply) -> None:
    console.print(f"[bold cyan]agent[/] {escape(reply.text)}")
    if reply.pending is not None:
        console.print(f"[yellow]  waiting for your yes: {reply.pending.type} {escape(str(reply.pending.params))}[/]")
    for action_id in reply.applied:
        console.print(f"[green]  applied through the action ledger: {action_id}[/]")
    if reply.handoff is not None:
        console.print(f"[magenta]  handed off: {reply.handoff.reason}[/]")


@support_app.command("chat")
def chat(message: Annotated[list[str] | None, typer.Option("--message", "-m", help="send these messages in turn, then stop (no prompt)")] = None,
         conversation: Annotated[str | None, typer.Option(help="go on with this conversation")] = None,
         strategy: Annotated[str | None, typer.Option(help="guided, tools or auto (default: TRADEWINDS_SUPPORT_STRATEGY)")] = None) -> None:
    """Chat with the shop's support agent as one of its customers. Every change it offers waits for your yes and goes
    through the action ledger. An empty line or Ctrl-D ends the chat."""
    agent, settings = _agent(strategy)
    cid = conversation or agent.start(channel="cli").id
    console.print(f"conversation {cid} with the support agent of workspace {settings.workspace} ({agent.strategy.name} strategy)")
    turns = iter(message) if message else None
    while True:
        if turns is not None:
            text = next(turns, None)
            if text is None:
                break
            console.print(f"[bold]you[/] {escape(text)}")
        else:
            try:
                text = console.input("[bold]you[/] ")
            except EOFError:
                break
            if not text.strip():
                break
        with console.status("thinking ..."):
            reply = agent.send(cid, text)
        _show(reply)
        if reply.handoff is not None:
            break


@support_app.command("conversations")
def conversations(status: Annotated[str | None, typer.Option(help="open, handed_off or closed")] = None,
                  limit: Annotated[int, typer.Option(min=1, max=1000)] = 20) -> None:
    """The shop's conversations, newest first."""
    agent, _ = _agent("guided")
    table = Table("conversation", "status", "customer", "language", "updated")
    for c in agent.store.list(status=status, limit=limit):
        table.add_row(c.id, c.status, c.customer_id or "-", c.language, c.updated_at[:19])
    console.print(table)
