"""GraphQL v1: a read-only view of canonical records, every read filtered by the access policy."""
