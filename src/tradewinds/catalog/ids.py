"""Stable, citable ids: ``prd_``/``sup_``/``off_`` + 16 base32 chars of sha256(kind, source, external id).

The same external id from the same source always maps to the same id, which makes
imports idempotent and citations in reports permanent.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Literal

Kind = Literal["sup", "prd", "off"]


def make_id(kind: Kind, source: str, external_id: str) -> str:
    digest = hashlib.sha256(f"{kind}\x1f{source}\x1f{external_id}".encode()).digest()
    return f"{kind}_{base64.b32encode(digest[:10]).decode().lower()}"


def kind_of(citable_id: str) -> Kind | None:
    prefix = citable_id.split("_", 1)[0]
    return prefix if prefix in ("sup", "prd", "off") else None  # type: ignore[return-value]
