"""What every context stands on: the platform (sessions, runner, clock, settings), access and
roles, the event recorder and bus, named jobs, idempotency, health."""
