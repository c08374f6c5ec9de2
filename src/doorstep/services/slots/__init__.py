"""Delivery promises at checkout: slot policy, offers, holds, utilisation, pickup-point slots."""
