"""How screens name the actors of the audit trail: a user by email, an API key by its name, a driver by name."""

from __future__ import annotations

from collections.abc import Iterable

from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform


def actor_names(p: Platform, actor: Actor, labels: Iterable[str]) -> dict[str, str]:
    """The people's names of the given actor labels of the organization (unknown labels are left out)."""
    actor.require(Permission.READ)
    wanted = sorted(set(labels))
    with p.uow(actor) as uow:
        users = uow.users.get_many([x for x in wanted if x.startswith("usr_")])
        keys = uow.api_keys.get_many([x for x in wanted if x.startswith("key_")])
        drivers = uow.drivers.get_many([x for x in wanted if x.startswith("drv_")])
        return (
            {k: u.email for k, u in users.items()}
            | {k: f"API key “{v.name}”" for k, v in keys.items()}
            | {k: f"driver {d.name}" for k, d in drivers.items()}
        )
