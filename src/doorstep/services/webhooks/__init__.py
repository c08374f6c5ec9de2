"""Webhook subscriptions and their signed deliveries."""
