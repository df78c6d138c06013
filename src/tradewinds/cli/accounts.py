"""`tradewinds users ...`, `keys ...` and `workspaces ...`: people, API keys and workspaces, from the machine itself.

CLI commands act as a named local user (TRADEWINDS_CLI_USER, else the login name), an owner of the machine's
workspace (TRADEWINDS_WORKSPACE, default 'local'): whoever can run commands here can read the database anyway.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from ._output import console, err

users_app = typer.Typer(help="Users of the workspace, their roles, passwords and one-time login links.", no_args_is_help=True)
workspaces_app = typer.Typer(help="Workspaces (tenants): list yours, create one, set its quotas (no ceiling here: this is the machine).",
                              no_args_is_help=True)
keys_app = typer.Typer(help="API keys of the workspace: create (the token is shown once), list, revoke.", no_args_is_help=True)


def local_user(settings) -> str:
    return settings.cli_user or getpass.getuser() or "local"


def _accounts():
    from ..bootstrap import bootstrap

    services = bootstrap()
    me = services.accounts.local_principal(services.settings.workspace, local_user(services.settings))
    return services, me


def login_url(settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/login/{token}"


@users_app.command("list")
def list_users() -> None:
    services, me = _accounts()
    table = Table(title=f"Users of workspace {me.workspace_id}")
    for col in ("name", "role", "password", "since"):
        table.add_column(col)
    for u in services.accounts.users(me.workspace_id):
        table.add_row(u.name, u.role.value, "set" if u.has_password else "-", u.created_at[:10])
    console.print(table)


@users_app.command("add")
def add_user(name: str, role: Annotated[str, typer.Option(help="owner, admin, operator, support or viewer")] = "viewer") -> None:
    """Add a user; prints a one-time login link to send them (they can set a password after logging in)."""
    from ..accounts import Role

    services, me = _accounts()
    services.accounts.add_user(me.workspace_id, name, Role(role), by=me.actor)
    console.print(f"{name} is now {role} of {me.workspace_id}. One-time login link (24 hours):")
    console.print(login_url(services.settings, services.accounts.login_link(me.workspace_id, name)), soft_wrap=True)


@users_app.command("role")
def set_role(name: str, role: Annotated[str, typer.Argument(help="owner, admin, operator, support or viewer")]) -> None:
    from ..accounts import Role

    services, me = _accounts()
    user = services.accounts.set_role(me.workspace_id, name, Role(role), by=me.actor)
    console.print(f"{user.name} is now {user.role.value}")


@users_app.command("password")
def set_password(name: Annotated[str | None, typer.Argument(help="default: you (the local user)")] = None) -> None:
    """Set a user's password (asked twice, never echoed); their sessions end."""
    services, me = _accounts()
    name = name or me.user
    first = typer.prompt(f"new password for {name}", hide_input=True)
    if typer.prompt("again", hide_input=True) != first:
        err.print("[red]the two passwords differ; nothing changed[/]")
        raise typer.Exit(1)
    services.accounts.set_password(name, first)
    console.print(f"password set for {name}")


@users_app.command("link")
def link(name: Annotated[str | None, typer.Argument(help="default: you (the local user)")] = None) -> None:
    """Print a one-time login link (valid 24 hours) for a user of the workspace."""
    services, me = _accounts()
    console.print(login_url(services.settings, services.accounts.login_link(me.workspace_id, name or me.user)), soft_wrap=True)


@keys_app.command("create")
def create_key(name: Annotated[str, typer.Option(help="what the key is for")],
               role: Annotated[str, typer.Option(help="the key's role (at most yours)")] = "viewer") -> None:
    """Create an API key and print its token, this once (only its hash is stored)."""
    from ..accounts import Role

    services, me = _accounts()
    key = services.accounts.create_key(me, name, Role(role))
    err.print(f"key {key.id} ({key.role.value}) for {name}; the token is shown this once:")
    print(key.token)


@keys_app.command("list")
def list_keys() -> None:
    services, me = _accounts()
    table = Table(title=f"API keys of workspace {me.workspace_id}")
    for col in ("id", "name", "role", "starts with", "by", "last used", "revoked"):
        table.add_column(col)
    for k in services.accounts.keys(me.workspace_id):
        table.add_row(k.id, k.name, k.role.value, k.prefix + "…", k.user, k.last_used_at or "-", k.revoked_at or "-")
    console.print(table)


@keys_app.command("revoke")
def revoke_key(key_id: str) -> None:
    services, me = _accounts()
    key = services.accounts.revoke_key(me, key_id)
    console.print(f"{key.id} revoked at {key.revoked_at}")


@workspaces_app.command("list")
def list_workspaces() -> None:
    services, me = _accounts()
    table = Table(title=f"Workspaces of {me.user}")
    for col in ("id", "name", "role", "tokens/day", "runs at once", "upload bytes/day"):
        table.add_column(col)
    for w in services.accounts.workspaces(me.user_id):
        q = services.accounts.quotas(w.id)
        table.add_row(w.id, w.name, w.role.value, f"{q.model_tokens_per_day:,}", str(q.concurrent_runs), f"{q.upload_bytes_per_day:,}")
    console.print(table)


@workspaces_app.command("create")
def create_workspace(workspace_id: str, name: Annotated[str | None, typer.Option(help="a display name")] = None) -> None:
    """Create an empty workspace with you (the local user) as its owner; act in it with TRADEWINDS_WORKSPACE=<id>."""
    services, me = _accounts()
    w = services.accounts.create_workspace(me, workspace_id, name)
    console.print(f"workspace {w.id} created; you are its owner. Run commands in it with TRADEWINDS_WORKSPACE={w.id}")


@workspaces_app.command("quotas")
def set_quotas(workspace_id: str,
               tokens: Annotated[int | None, typer.Option(help="model tokens a day (0: no limit)")] = None,
               runs: Annotated[int | None, typer.Option(help="runs and bulk jobs at once (0: no limit)")] = None,
               upload_bytes: Annotated[int | None, typer.Option(help="upload bytes a day (0: no limit)")] = None) -> None:
    """Show a workspace's quotas, or set some of them (audited in that workspace)."""
    services, me = _accounts()
    quotas = services.accounts.quotas(workspace_id)
    changes = {k: v for k, v in {"model_tokens_per_day": tokens, "concurrent_runs": runs, "upload_bytes_per_day": upload_bytes}.items()
               if v is not None}
    if changes:
        from ..accounts.schemas import Quotas

        quotas = Quotas(**{**quotas.model_dump(), **changes})
        services.accounts.set_quotas(workspace_id, quotas, by=me.actor)
    for field, value in quotas.model_dump().items():
        console.print(f"{field:22} {value:,}" if value else f"{field:22} no limit")
