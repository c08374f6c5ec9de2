"""Use cases that compose the lower layers (planning, demo data)."""
