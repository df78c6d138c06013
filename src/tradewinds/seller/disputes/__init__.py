"""Chargeback defense: a card dispute routed to its category, the shop's evidence for it gathered and cited, a
fight-or-accept recommendation, a rebuttal letter whose every claim is checked against its evidence, an evidence
pack (PDF), and the response in Stripe's evidence fields, submitted through the action ledger (docs/disputes.md)."""
