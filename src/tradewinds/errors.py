"""The Tradewinds exception hierarchy, shallow on purpose.

TradewindsError
├── ConfigError      settings are missing or invalid (fix: an env var or flag)
├── BadInputError    a file, row or request the user gave us is wrong
├── NotFoundError    a citable id (prd_/sup_/off_) does not exist
└── ModelError       (tradewinds.models) a model misbehaved or its provider failed

Every error carries a stable ``code`` used by the JSON API's error shape and a
``hint`` telling the user how to fix it.
"""

from __future__ import annotations


class TradewindsError(Exception):
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.hint})" if self.hint else self.message


class ConfigError(TradewindsError):
    code = "config_error"


class BadInputError(TradewindsError):
    code = "bad_input"


class NotFoundError(TradewindsError):
    code = "not_found"
