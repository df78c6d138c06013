"""The listing studio: marketplace profiles as data, the claims of a product read deterministically, and the check
that a localized listing keeps every claim and breaks no rule of its market (docs/listings.md)."""
