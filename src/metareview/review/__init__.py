"""The review project: protocol, store, import of database exports, deduplication."""
