"""The refund agent: decides a buyer's refund request inside the merchant's written rules, with a policy learned
from the merchant's past decisions (docs/refunds.md)."""
