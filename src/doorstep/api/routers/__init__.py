"""Routers: thin handlers that parse, call a service and map the result."""
