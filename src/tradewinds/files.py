"""Writing a file so that a reader, or a crash, never sees half of it: the one way every part of Tradewinds does it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(target: Path, content: bytes | str | Callable[[BinaryIO], None]) -> None:
    """Write ``content`` (bytes, UTF-8 text, or a function writing to the open file) to a temporary file beside
    ``target``, fsync it and rename it over ``target``. On any error the temporary file is removed and ``target`` is
    untouched."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
