"""The dispatcher dashboard: Jinja2 pages and small ES modules that talk to the REST API (no CDN, no build)."""
