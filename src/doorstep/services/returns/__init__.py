"""Failed deliveries and returns: re-attempt, return to sender, customer returns."""
