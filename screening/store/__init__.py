"""Review store (being written)."""
