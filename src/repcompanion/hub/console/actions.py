"""The console's actions: each calls the hub function that owns it (admin, sync, followups, auth, safety) and
writes the audit log the admin CLI writes, with the console user as the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from repcompanion.domain.errors import HubError
from repcompanion.hub import admin, auth, followups, safety
from repcompanion.hub.admin import audit
from repcompanion.hub.console.roles import ACTIONS, Viewer
from repcompanion.hub.db import HubDb, derived, schema
from repcompanion.hub.sync import withdraw_content


class ActionRefused(HubError):
    """The signed-in user may not take this action (their role, or a record outside their territories)."""


@dataclass(frozen=True)
class Done:
    message: str


def _reason(reason: str, what: str) -> str:
    if not reason.strip():
        raise HubError(f"Say why ({what}); it is kept in the audit log.", hint="Fill in the reason and try again.")
    return reason.strip()


def _dcr_in_scope(db: HubDb, viewer: Viewer, dcr_id: str) -> None:
    if viewer.territories is None:
        return
    d = schema.data_change_requests
    with db.read() as conn:
        territory = conn.execute(d.select().with_only_columns(d.c.territory_id).where(d.c.id == dcr_id)).scalar()
    if territory is not None and territory not in viewer.territories:
        raise ActionRefused(f"Data change request {dcr_id} is from territory {territory}, which is not one of yours.")


def run(db: HubDb, viewer: Viewer, action: str, target: str, reason: str, journeys: set[str]) -> Done:
    """Take ``action`` on ``target`` as ``viewer`` (ActionRefused when the role may not), then audit it."""
    if action not in ACTIONS:
        raise HubError(f"There is no console action {action!r}.")
    if not viewer.may(action):
        raise ActionRefused(f"A {viewer.role} may not {ACTIONS[action].lower()}.")
    if not target.strip() and action != "aggregates.refresh":
        raise HubError("The action names no record.", hint="Use the buttons on the page.")
    done = _ACTIONS[action](db, viewer, target, reason, journeys)
    audit.record(db, f"console {action}", {"target": target, "reason": reason.strip()}, actor=viewer.user)
    return done


def _accept(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    _dcr_in_scope(db, viewer, target)
    view = admin.accept_dcr(db, target, decided_by=viewer.user, note=reason)
    return Done(f"Data change request {view.id} accepted; HCP {view.hcp_id} is updated on every laptop.")


def _reject(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    _dcr_in_scope(db, viewer, target)
    admin.reject_dcr(db, target, reason=_reason(reason, "the rep reads it"), decided_by=viewer.user)
    return Done(f"Data change request {target} rejected; the rep is told why.")


def _withdraw(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    stopped = withdraw_content(db, target, _reason(reason, "reps and auditors read it"))
    return Done(f"Content {target} withdrawn; {stopped} waiting follow-up(s) stopped.")


def _pause(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    followups.pause_journey(db, target, by=viewer.user, reason=_reason(reason, "reps see it"), known=journeys)
    return Done(f"Journey {target} paused: it plans nothing new and its waiting e-mails are held.")


def _resume(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    if not followups.resume_journey(db, target):
        raise HubError(f"Journey {target} is not paused; nothing was changed.")
    return Done(f"Journey {target} resumed.")


def _retry(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    followups.retry_dead_letter(db, target)
    return Done(f"Follow-up {target} is scheduled again; the worker sends it with the same Message-ID.")


def _revoke(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    info = auth.revoke_device(db, target, _reason(reason, "the user reads it"), by=viewer.user)
    return Done(f"Device {info.device_id} of {info.user} revoked: it uploads what it holds, then wipes its workspace.")


def _acknowledge(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    if not safety.acknowledge_intake(db, target, by=viewer.user, note=reason):
        raise HubError(f"Intake {target} was already acknowledged; nothing was changed.")
    return Done(f"Intake {target} acknowledged.")


def _reforward(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    n = safety.reforward_intake(db, target, by=viewer.user)
    return Done(f"Intake {target} will be forwarded again (time {n}) on the forwarding loop's next pass.")


def _refresh(db: HubDb, viewer: Viewer, target: str, reason: str, journeys: set[str]) -> Done:
    at = derived.refresh(db)
    return Done(f"Aggregates refreshed at {at}.")


_ACTIONS: dict[str, Callable[[HubDb, Viewer, str, str, set[str]], Done]] = {
    "dcr.accept": _accept,
    "dcr.reject": _reject,
    "content.withdraw": _withdraw,
    "journey.pause": _pause,
    "journey.resume": _resume,
    "followup.retry": _retry,
    "device.revoke": _revoke,
    "intake.acknowledge": _acknowledge,
    "intake.reforward": _reforward,
    "aggregates.refresh": _refresh,
}

__all__ = ["ActionRefused", "Done", "run"]
