"""Demo data: synthetic and OpenStreetMap days, and a demo organization
loaded through the services (not a context of the product)."""
