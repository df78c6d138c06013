"""The Tradewinds exception hierarchy, shallow on purpose.

TradewindsError
├── ConfigError      settings are missing or invalid (fix: an env var or flag)
├── BadInputError    a file, row or request the user gave us is wrong
├── NotFoundError    a citable id (prd_/sup_/off_) does not exist, or one of another workspace
├── UnauthenticatedError  no valid session, API key or login link
├── PermissionDeniedError  the actor's role does not allow it
├── ConflictError    the request clashes with stored state (idempotency key, status)
├── RefusedError     a policy limit or a kill switch refused an action
├── BusyError        the job pool and its queue are full (429 with Retry-After)
│   └── QuotaExceededError  a workspace's quota (model tokens a day, concurrent runs, upload bytes) is used up
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


class UnauthenticatedError(TradewindsError):
    """No valid credentials: log in, or send an API key (``Authorization: Bearer tw_...``)."""

    code = "unauthenticated"


class PermissionDeniedError(TradewindsError):
    """The actor's role does not allow this (a viewer approving, an operator above their limit)."""

    code = "permission_denied"


class ConflictError(TradewindsError):
    """The request clashes with what is stored: an idempotency key reused with other parameters, an action no longer
    pending, a value changed since the action it would undo."""

    code = "conflict"


class RefusedError(TradewindsError):
    """A policy refused an action: a limit, or a kill switch. Nothing was done; the refusal is in the audit trail."""

    code = "refused"


class BusyError(TradewindsError):
    """Every worker is busy and the queue is full: nothing was started; retry after ``retry_after`` seconds."""

    code = "busy"

    def __init__(self, message: str, *, hint: str | None = None, retry_after: int = 5) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class QuotaExceededError(BusyError):
    """A workspace used up one of its quotas; nothing was started. ``retry_after``: seconds until it frees up."""

    code = "quota_exceeded"
