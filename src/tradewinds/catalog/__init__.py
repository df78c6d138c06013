"""The B2B catalog: suppliers, products and offers; storage, importers and demo data."""

from .repository import CatalogRepository
from .schemas import Attribute, Offer, OfferIn, PriceTier, Product, ProductIn, Supplier, SupplierIn

__all__ = ["Attribute", "CatalogRepository", "Offer", "OfferIn", "PriceTier", "Product", "ProductIn", "Supplier", "SupplierIn"]
