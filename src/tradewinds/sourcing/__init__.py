"""AI sourcing: a plain-words need becomes a cited, checkable sourcing report."""
