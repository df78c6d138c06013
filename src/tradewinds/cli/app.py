"""Entry point and top-level commands. Errors become one red line and exit code 2
(set TRADEWINDS_DEBUG=1 to see the traceback)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Annotated

import typer

from ..errors import ConfigError, TradewindsError
from ..search.schemas import SearchFilters, SearchRequest
from ._output import console, err, search_table
from ..settings import get_settings
from .accounts import keys_app, local_user, login_url, users_app, workspaces_app
from .actions import actions_app, audit_app
from .bulk import bulk
from .catalog import catalog_app
from .models import models_app
from .disputes import disputes_app
from .listings import listings_app
from .refunds import refunds_app
from .shop import shop_app
from .support import support_app
from .source import source

app = typer.Typer(
    name="tradewinds",
    help="Tradewinds: an open, self-hosted AI trade stack. Search a B2B catalog of products, offers and suppliers, "
    "import your own feeds, and serve it over HTTP. Data lives in ./data (TRADEWINDS_DATA_DIR).",
    no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog")
app.add_typer(models_app, name="models")
app.add_typer(actions_app, name="actions")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(workspaces_app, name="workspaces")
app.add_typer(shop_app, name="shop")
app.add_typer(support_app, name="support")
app.add_typer(refunds_app, name="refunds")
app.add_typer(disputes_app, name="disputes")
app.add_typer(listings_app, name="listings")
app.command("source")(source)
app.command("bulk")(bulk)


@app.callback()
def _options(no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the model response cache for this command")] = False) -> None:
    if no_cache:
        os.environ["TRADEWINDS_MODEL_CACHE"] = "0"
        get_settings.cache_clear()


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class Mode(StrEnum):
    hybrid = "hybrid"
    lexical = "lexical"
    dense = "dense"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What you are looking for, in any language")],
    qty: Annotated[int | None, typer.Option("--qty", help="Order quantity: MOQ must fit and price is read at this tier")] = None,
    max_price: Annotated[float | None, typer.Option("--max-price", help="Highest unit price at --qty (or MOQ)")] = None,
    currency: Annotated[str, typer.Option(help="Currency of --max-price")] = "USD",
    cert: Annotated[list[str] | None, typer.Option("--cert", help="Required certification; repeat or comma-separate (CE,RoHS)")] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Supplier country in (ISO codes, e.g. CN,VN)")] = None,
    exclude_country: Annotated[list[str] | None, typer.Option("--exclude-country", help="Supplier country not in")] = None,
    max_lead_time: Annotated[int | None, typer.Option("--max-lead-time", help="Lead time in days <=")] = None,
    incoterm: Annotated[list[str] | None, typer.Option("--incoterm", help="Incoterm in (FOB,EXW,...)")] = None,
    hs: Annotated[str | None, typer.Option("--hs", help="HS code prefix (chapter 84, heading 8419, ...)")] = None,
    verified: Annotated[bool, typer.Option("--verified", help="Only verified suppliers")] = False,
    mode: Annotated[Mode, typer.Option(help="Retrieval mode")] = Mode.hybrid,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 10,
    facets: Annotated[bool, typer.Option("--facets", help="Also print facet counts")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or json")] = OutputFormat.table,
) -> None:
    """Search offers with hard filters (never violated) and hybrid ranking."""
    from ..bootstrap import bootstrap

    services = bootstrap()
    filters = SearchFilters.from_params(qty=qty, max_price=max_price, currency=currency, cert=cert, country=country,
                                        exclude_country=exclude_country, max_lead_time=max_lead_time, incoterm=incoterm, hs=hs,
                                        verified=verified)
    if services.backend.count() == 0:
        raise TradewindsError("the search index is empty", hint="run `tradewinds catalog demo` or `tradewinds catalog import FILE`")
    response = services.search.scoped(services.settings.workspace).search(SearchRequest(text=query, filters=filters, limit=limit, mode=mode.value, facets=facets or fmt == "json"))
    if fmt == OutputFormat.json:
        print(response.model_dump_json(indent=2))
        return
    console.print(search_table(query, response, qty))
    if facets:
        for name, counts in response.facets.items():
            console.print(f"[bold]{name}[/]: " + ", ".join(f"{c.value} ({c.count})" for c in counts))


@app.command()
def serve(host: Annotated[str, typer.Option(envvar="TRADEWINDS_HOST")] = "127.0.0.1",
          port: Annotated[int, typer.Option(envvar="TRADEWINDS_PORT")] = 8000) -> None:
    """Serve the web app and the HTTP API (http://HOST:PORT/, OpenAPI docs at /docs)."""
    import uvicorn

    from ..server import create_app
    from ..bootstrap import bootstrap
    from ..jobs import vectors as fill

    services = bootstrap()
    settings, accounts = services.settings, services.accounts
    if not _loopback(host) and not accounts.auth_configured():
        raise ConfigError(f"refusing to serve on {host}: nobody can log in with a password or an API key yet, and the "
                          "one-time login links are meant for this machine only",
                          hint="set a password (`tradewinds users password`) or create a key (`tradewinds keys create --name ...`), "
                               "set TRADEWINDS_PUBLIC_URL to the address users open (https:// for Secure cookies), then start "
                               "again; or serve on 127.0.0.1")
    if fill.start_background(settings, services.backend):  # a filler stopped before it finished resumes
        err.print(fill.status(settings, services.backend).describe())
    services.backend.close()
    # zero-config: the first start makes the machine's user the owner of its workspace; until they set a password,
    # each start prints a fresh one-time login link (used once, valid 24 hours)
    me = accounts.local_principal(settings.workspace, local_user(settings))
    if not accounts.user(settings.workspace, me.user).has_password:
        err.print(f"log in as {me.user} ({me.role.value} of workspace {settings.workspace}) with this one-time link:")
        print(login_url(settings, accounts.login_link(settings.workspace, me.user)), flush=True)
    err.print(f"Tradewinds web app on http://{host}:{port}/ (API docs at /docs); Ctrl-C to stop")

    uvicorn.run(create_app(), host=host, port=port)


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main() -> None:
    try:
        code = app(standalone_mode=False)  # a command's typer.Exit(n) comes back as n here, not as an exception
        if isinstance(code, int) and code:
            sys.exit(code)
    except TradewindsError as exc:
        if os.environ.get("TRADEWINDS_DEBUG"):
            raise
        err.print(f"[red]error:[/] {exc.message}" + (f"\n[yellow]fix:[/] {exc.hint}" if exc.hint else ""))
        sys.exit(2)
    except (typer.Exit, typer.Abort) as exc:
        sys.exit(getattr(exc, "exit_code", 1))
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


__all__ = ["app", "main"]
