"""Orders: one, bulk and imported; store rows to domain objects; orders to a pickup point."""
