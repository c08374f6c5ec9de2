"""Routes of a published plan: drivers assigned, locks, dispatch."""
