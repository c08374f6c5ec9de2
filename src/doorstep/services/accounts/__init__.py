"""Organizations, users, sessions and API keys, and the organization's settings."""
