"""The live day: live routes and their snapshot, re-planning proposals, ETA updates, traffic,
cancellations on a live route."""
