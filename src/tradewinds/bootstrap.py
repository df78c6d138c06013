"""Real wiring in one place: settings -> database, repository, search backend, search service,
model gateway and the sourcing loop."""

from __future__ import annotations

from decimal import Decimal

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .db import open_database
from .catalog.repository import CatalogRepository
from .errors import ConfigError
from .models.embeddings import VectorCache, get_embedder
from .models.gateway import Gateway
from .plugins import Registry
from .search.backend import SearchBackend
from .search.service import ProductSearch
from .settings import WORKSPACE_ID, Settings, get_settings
from .sourcing.run import Budgets, RunStore, Sourcer


_GATEWAY_LOCK = threading.Lock()


@dataclass
class Services:
    settings: Settings
    repo: CatalogRepository
    backend: SearchBackend
    search: ProductSearch
    _gateway: Gateway | None = field(default=None, init=False, repr=False, compare=False)

    def gateway(self) -> Gateway:
        """One gateway per process: its cache, per-model concurrency slots and worker pool are shared by every request."""
        if self._gateway is None:
            with _GATEWAY_LOCK:
                if self._gateway is None:
                    self._gateway = Gateway(self.settings)
        return self._gateway

    @cached_property
    def accounts(self):
        """Workspaces, users, sessions, API keys and quotas, on the system-of-record database."""
        from pydantic import ValidationError

        from .accounts.schemas import Quotas
        from .accounts.service import Accounts

        try:
            quotas = Quotas(**self.settings.quotas)
        except ValidationError as exc:
            raise ConfigError(f"TRADEWINDS_QUOTAS: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}",
                              hint="keys: model_tokens_per_day, concurrent_runs, upload_bytes_per_day; values: whole numbers >= 0") from None
        return Accounts(self.repo.engine, default_quotas=quotas)

    @cached_property
    def ledger(self):
        """The action ledger (the money firewall), on the same database."""
        from .actions import ActionLedger

        return ActionLedger(self.repo.engine, self.settings.fx_rates)

    def shop(self, workspace_id: str):
        """The workspace's shop (customers, products, orders, shipments), on the same database."""
        from .shop import ShopRepository

        return ShopRepository(self.repo.engine, workspace_id)

    @cached_property
    def policies(self):
        """Each workspace's after-sales policy, versioned."""
        from .shop.policy import PolicyStore

        return PolicyStore(self.repo.engine)

    def support(self, workspace_id: str, *, strategy: str | None = None, runs=None):
        """The support agent of a workspace's shop (its conversations, the ledger for every write, the gateway; each
        conversation a run in ``runs``, the server's when given)."""
        from .seller.support import SupportAgent

        return SupportAgent(self.repo.engine, workspace_id, ledger=self.ledger, policies=self.policies, gateway=self.gateway(),
                            strategy=strategy or self.settings.support_strategy, runs=runs)

    def refunds(self, workspace_id: str | None = None):
        """The workspace's refund desk: its learned policy (in its folder), its cases, the ledger for every payout."""
        from .seller.refunds.service import Refunds

        workspace_id = workspace_id or self.settings.workspace
        return Refunds(self.repo.engine, workspace_id, ledger=self.ledger, policies=self.policies, folder=self.workspace_dir(workspace_id, "refunds"))

    def disputes(self, workspace_id: str | None = None):
        """The workspace's dispute desk: its disputes, the shop's evidence, the ledger for every submission."""
        from .seller.disputes.recommend import FightRules
        from .seller.disputes.service import Disputes

        return Disputes(self.repo.engine, workspace_id or self.settings.workspace, ledger=self.ledger,
                        rules=FightRules(counter_fee=Decimal(str(self.settings.dispute_counter_fee))))

    def workspace_dir(self, workspace_id: str | None = None, *parts: str) -> Path:
        """A workspace's own files (its sourcing runs, bulk plans) under ``<data_dir>/workspaces/<id>/``; default the
        CLI's workspace. Workspace ids are checked where they are made (accounts), so this is always one folder down."""
        workspace_id = workspace_id or self.settings.workspace
        if not WORKSPACE_ID.fullmatch(workspace_id):
            raise ConfigError(f"{workspace_id!r} is not a workspace id", hint="workspace ids are 1-64 of a-z, 0-9, '-' and '_'")
        path = self.settings.data_dir.joinpath("workspaces", workspace_id, *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def sourcer(self, budgets: Budgets | None = None, *, model: bool = True, workspace_id: str | None = None) -> Sourcer:
        """The sourcing loop as a workspace sees the catalog (the shared one and its own imports; default the CLI's
        workspace); ``model=False`` runs extractors and templates only."""
        workspace_id = workspace_id or self.settings.workspace
        return Sourcer(self.repo.scoped(workspace_id), self.search.scoped(workspace_id), self.gateway() if model else None,
                       fx_rates=self.settings.fx_rates, store=RunStore(self.workspace_dir(workspace_id, "sourcing")), budgets=budgets)


BACKENDS: Registry[Callable[[str, str, Settings], SearchBackend]] = Registry(
    "search backend", "tradewinds.search_backends",
    hint="set TRADEWINDS_SEARCH_URL to embedded:/path/to/index, milvus://host:19530 or milvus:path/to/offers.db")


@BACKENDS.register("embedded")
def _embedded(url: str, rest: str, settings: Settings) -> SearchBackend:
    from .search.embedded import EmbeddedBackend

    return EmbeddedBackend(Path(rest), embedder=get_embedder(settings.embedding_model, settings),
                           vector_cache=VectorCache(settings.vector_cache_path), fx_rates=settings.fx_rates,
                           batch_size=settings.embedding_batch_size)


@BACKENDS.register("milvus")
def _milvus(url: str, rest: str, settings: Settings) -> SearchBackend:
    from .search.milvus import MilvusBackend

    if rest in ("", "//"):  # bare "milvus:" -> a milvus-lite file in the data directory
        url = f"milvus:{settings.data_dir / 'search-milvus.db'}"
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    return MilvusBackend(url, embedder=get_embedder(settings.embedding_model, settings), token=token,
                         vector_cache=VectorCache(settings.vector_cache_path), fx_rates=settings.fx_rates,
                         batch_size=settings.embedding_batch_size)


def make_backend(settings: Settings) -> SearchBackend:
    """The backend TRADEWINDS_SEARCH_URL names, by its scheme."""
    url = settings.resolved_search_url
    scheme, _, rest = url.partition(":")
    try:
        build = BACKENDS.get(scheme)
    except ConfigError:
        raise ConfigError(f"unsupported search backend {url!r}", hint=BACKENDS.hint) from None
    return build(url, rest, settings)


LEGACY_FOLDERS = ("sourcing", "bulk")  # where runs and bulk plans lived before workspaces


def adopt_legacy_files(settings: Settings) -> int:
    """Sourcing runs and bulk plans written before workspaces (``<data>/sourcing``, ``<data>/bulk``) move into the
    default workspace's folders (``TRADEWINDS_WORKSPACE``), where its users find them again. A file of the same name
    already there is kept, and the old one left where it was. Returns how many moved; a second call moves nothing."""
    moved = 0
    for name in LEGACY_FOLDERS:
        old = settings.data_dir / name
        if not old.is_dir():
            continue
        new = settings.data_dir.joinpath("workspaces", settings.workspace, name)
        new.mkdir(parents=True, exist_ok=True)
        for f in sorted(old.iterdir()):
            if not (new / f.name).exists():
                f.replace(new / f.name)  # one filesystem: a rename, all or nothing per file
                moved += 1
        if not any(old.iterdir()):
            old.rmdir()
    return moved


def bootstrap(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    adopt_legacy_files(settings)
    repo = CatalogRepository(open_database(settings.resolved_database_url))
    backend = make_backend(settings)
    return Services(settings=settings, repo=repo, backend=backend, search=ProductSearch(backend))
