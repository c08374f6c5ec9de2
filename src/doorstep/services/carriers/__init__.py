"""Partner carriers (3PL): settings, prices, bookings, status callbacks and manifests."""
