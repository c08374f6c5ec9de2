"""The event bus: handlers registered by the composition roots, by name and event-type pattern.

A handler's name is stored with every event it must handle (``event_handlings``), so names are stable across
releases and processes: a worker process registers the same handlers as the API process that recorded the event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doorstep.domain.events import matches


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored event as handlers see it."""

    id: str
    org_id: str
    type: str
    subject_id: str
    actor: str
    at: datetime
    from_status: str | None = None
    to_status: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


HandlerFn = Callable[[Any, EventRecord], None]  # (platform, event); must be idempotent: it may run again


@dataclass(frozen=True, slots=True)
class Handler:
    """A reaction to events: ``patterns`` are types, ``route.*`` prefixes or ``*``."""

    name: str
    patterns: tuple[str, ...]
    fn: HandlerFn

    def wants(self, event_type: str) -> bool:
        """Whether this handler reacts to the event type."""
        return any(matches(p, event_type) for p in self.patterns)


@dataclass(slots=True)
class EventBus:
    """The registered handlers, with the retry policy of their dispatch."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    max_attempts: int = 5  # failed runs before a handling is marked stuck (then only a retry action revives it)
    backoff_s: float = 2.0  # the wait after the first failure; doubles after each further one
    backoff_cap_s: float = 300.0
    lease_s: float = 300.0  # a claim older than this is taken for a dead dispatcher's and claimed again

    def on(self, name: str, patterns: Sequence[str], fn: HandlerFn) -> Handler:
        """Register ``fn`` under ``name`` for events matching ``patterns`` (a name is registered once)."""
        if name in self.handlers:
            raise ValueError(f"an event handler named {name!r} is registered already")
        handler = Handler(name, tuple(patterns), fn)
        self.handlers[name] = handler
        return handler

    def off(self, name: str) -> None:
        """Unregister a handler (its pending handlings stay until a process that has it runs them)."""
        self.handlers.pop(name, None)

    def handlers_for(self, event_type: str) -> list[str]:
        """Names of the handlers reacting to this event type."""
        return [h.name for h in self.handlers.values() if h.wants(event_type)]

    def backoff(self, attempts: int) -> float:
        """Seconds to wait before the next run after ``attempts`` failed runs."""
        return float(min(self.backoff_cap_s, self.backoff_s * 2 ** max(0, attempts - 1)))
