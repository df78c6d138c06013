"""Batch jobs that scale out: catalog indexing on Ray (:mod:`.index`)."""
