"""Depots, vehicle types, vehicles, drivers and shifts, and pickup points."""
