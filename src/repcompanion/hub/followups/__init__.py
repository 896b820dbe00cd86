"""Follow-ups: journeys evaluated on call reports and engagement, their synced rows and jobs, the e-mail worker."""

from repcompanion.hub.followups.control import (
    FollowUpControlError,
    JourneyPause,
    pause_journey,
    paused_journeys,
    resume_journey,
    retry_dead_letter,
)
from repcompanion.hub.followups.email import MailSettings, render, unsubscribe_signature, unsubscribe_url
from repcompanion.hub.followups.engagement import (
    ENGAGEMENT_TYPES,
    EngagementResult,
    apply_engagement,
    engagement_secret,
)
from repcompanion.hub.followups.planning import (
    JOURNEYS,
    JourneyBook,
    list_follow_ups,
    message_id,
    plan_after_call_report,
    plan_not_opened,
    record_plan,
)
from repcompanion.hub.followups.providers import (
    ProviderEvent,
    ProviderResult,
    WebhookRefused,
    apply_provider_events,
    sendgrid_events,
    sendgrid_key,
    verify_sendgrid,
)
from repcompanion.hub.followups.stopping import stop_follow_ups, unusable_reason
from repcompanion.hub.followups.worker import Worker, WorkerSettings, delivery_state

__all__ = [
    "ENGAGEMENT_TYPES",
    "JOURNEYS",
    "EngagementResult",
    "FollowUpControlError",
    "JourneyBook",
    "JourneyPause",
    "MailSettings",
    "ProviderEvent",
    "ProviderResult",
    "WebhookRefused",
    "Worker",
    "WorkerSettings",
    "apply_engagement",
    "apply_provider_events",
    "delivery_state",
    "engagement_secret",
    "list_follow_ups",
    "message_id",
    "pause_journey",
    "paused_journeys",
    "plan_after_call_report",
    "plan_not_opened",
    "record_plan",
    "render",
    "resume_journey",
    "retry_dead_letter",
    "sendgrid_events",
    "sendgrid_key",
    "stop_follow_ups",
    "unsubscribe_signature",
    "unsubscribe_url",
    "unusable_reason",
    "verify_sendgrid",
]
