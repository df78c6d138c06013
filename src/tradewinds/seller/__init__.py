"""The seller agents, each in its own room (``support``, then refunds, disputes, listings), all on the shared runtime:
the shop's records, the action ledger for every write, the model gateway, the runs and their events."""
