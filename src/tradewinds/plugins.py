"""Extension points, registered the way a plugin would be: built-in parts call :meth:`Registry.register` at import,
installed packages declare an entry point in the registry's group. No ``if provider == ...`` chains."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")
logger = logging.getLogger("tradewinds.plugins")


class Registry(Generic[T]):
    def __init__(self, kind: str, group: str, hint: str = "") -> None:
        self.kind, self.group, self.hint = kind, group, hint
        self._items: dict[str, T] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, name: str) -> Callable[[T], T]:
        def add(item: T) -> T:
            if name in self._items and _origin(self._items[name]) != _origin(item):  # the same part imported again is fine
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            return item

        return add

    def get(self, name: str) -> T:
        self._load()
        if name not in self._items:
            raise ConfigError(f"unknown {self.kind} {name!r}", hint=self.hint or f"one of: {', '.join(self.names())}")
        return self._items[name]

    def names(self) -> list[str]:
        self._load()
        return sorted(self._items)

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for ep in entry_points(group=self.group):
                try:
                    self.register(ep.name)(ep.load())
                except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, the built-ins still work
                    logger.warning("%s plugin %s could not be loaded: %s", self.kind, ep.name, exc)


def _origin(item) -> tuple[str, str]:
    source = item if callable(item) and hasattr(item, "__qualname__") else type(item)
    return source.__module__, source.__qualname__
