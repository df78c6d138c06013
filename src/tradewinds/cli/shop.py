"""`tradewinds shop ...`: the workspace's shop — import it, see what is in it, export it, set its after-sales policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._output import console, err

shop_app = typer.Typer(help="The shop of the workspace (TRADEWINDS_WORKSPACE): customers, products, orders, shipments, "
                       "and its after-sales policy.", no_args_is_help=True)
policy_app = typer.Typer(help="The after-sales policy: shown to customers, enforced by the support agent's tools.", no_args_is_help=True)
shop_app.add_typer(policy_app, name="policy")


def _shop():
    from ..db import open_database
    from ..settings import get_settings
    from ..shop import ShopRepository

    settings = get_settings()
    return ShopRepository(open_database(settings.resolved_database_url), settings.workspace), settings


@shop_app.command("import")
def import_cmd(path: Annotated[Path, typer.Argument(help="a tau-bench shop folder (users/orders/products.json), tau2's db.json, a Shopify orders export (.csv) or .jsonl")],
               format: Annotated[str | None, typer.Option(help="tau, tau2, shopify or jsonl (default: from the path)")] = None) -> None:
    """Import a shop; bad records are listed (file, record, field) and skipped, the rest written. Again: no change."""
    from ..shop.importers import import_shop

    shop, settings = _shop()
    with console.status(f"importing {path} ..."):
        report = import_shop(shop, path, format)
    console.print(f"{report.format}: {report.customers} customers, {report.products} products, {report.orders} orders "
                  f"into the shop of workspace {settings.workspace}")
    for e in report.errors[:50]:
        err.print(f"[yellow]{e['file']}[/] {e['row']} · {e['field']}: {e['message']}" + (f" ({e['hint']})" if e["hint"] else ""))
    if len(report.errors) > 50:
        err.print(f"... and {len(report.errors) - 50} more")
    if report.errors:
        raise typer.Exit(1)


@shop_app.command("demo")
def demo(customers: Annotated[int, typer.Option(min=1, max=100_000, help="how many buyers")] = 120,
         seed: Annotated[int, typer.Option(help="the same seed makes the same shop")] = 7) -> None:
    """Fill the workspace's shop with a synthetic cross-border shop (12 countries, 9 languages, 10 currencies, carriers,
    tracking with customs holds, delays and losses). Again with the same seed: no change."""
    from ..shop.demo import demo_shop

    shop, settings = _shop()
    people, products, orders = demo_shop(customers, seed)
    shop.write(customers=people, products=products, orders=orders)
    console.print(f"synthetic shop in workspace {settings.workspace}: {len(people)} customers, {len(products)} products, {len(orders)} orders")


@shop_app.command("stats")
def stats() -> None:
    shop, settings = _shop()
    table = Table(title=f"Shop of workspace {settings.workspace}")
    table.add_column("records")
    table.add_column("count", justify="right")
    for name, n in shop.counts().items():
        table.add_row(name, f"{n:,}")
    console.print(table)


@shop_app.command("export")
def export(out: Annotated[Path, typer.Option(help="a folder: users.json, orders.json, products.json are written there")]) -> None:
    """The shop in tau-bench's layout (what its benchmark reads)."""
    shop, _ = _shop()
    out.mkdir(parents=True, exist_ok=True)
    for name, records in shop.export_tau().items():
        (out / f"{name}.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(f"wrote {out}/users.json, orders.json, products.json")


@policy_app.command("show")
def policy_show(lang: Annotated[str, typer.Option(help="the language of the customer text: en, es, zh")] = "en",
                json_out: Annotated[bool, typer.Option("--json", help="the policy as data")] = False) -> None:
    from ..shop.policy import PolicyStore

    shop, settings = _shop()
    version, policy = PolicyStore(shop.engine).current(settings.workspace)
    if json_out:
        print(policy.model_dump_json(indent=2))
        return
    console.print(f"after-sales policy of {settings.workspace}, version {version}{' (the default)' if version == 0 else ''}:")
    console.print(policy.render(lang))


@policy_app.command("set")
def policy_set(file: Annotated[Path, typer.Argument(help="a JSON file with the policy's fields (see `shop policy show --json`)")]) -> None:
    """Validate a policy and make it the one in force (a new version; the old ones stay readable)."""
    from pydantic import ValidationError

    from ..errors import BadInputError
    from ..shop.policy import AfterSalesPolicy, PolicyStore
    from .accounts import local_user

    shop, settings = _shop()
    try:
        policy = AfterSalesPolicy.model_validate_json(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"{file}: no such file", hint="check the path") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BadInputError(f"{file}: {'.'.join(map(str, first['loc'])) or 'policy'}: {first['msg']}",
                            hint="start from `tradewinds shop policy show --json`") from None
    from ..accounts.service import Accounts

    me = Accounts(shop.engine).local_principal(settings.workspace, local_user(settings))
    version = PolicyStore(shop.engine).save(settings.workspace, policy, by=me.actor)
    console.print(f"policy version {version} is in force in {settings.workspace}")
