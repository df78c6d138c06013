"""Tradewinds: an open, self-hosted AI trade stack.

Domains live in sub-packages: ``catalog`` (products, offers, suppliers, importers,
demo data), ``search`` (hybrid product search), ``api`` (FastAPI app) and ``cli``.
"""

__version__ = "0.1.0"
