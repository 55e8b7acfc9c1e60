"""Arbor-like UK MIS adapter: HTTP Basic, paged references resolved in batches, revision changelog."""
