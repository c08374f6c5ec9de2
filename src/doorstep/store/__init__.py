"""Persistence: SQLAlchemy 2 tables, repositories, a unit of work and Alembic migrations (SQLite and PostgreSQL)."""
