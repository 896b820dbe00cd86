"""The one facade the app and the command line use: ``Workspace`` and its managers, and the values they return."""

from typing import TYPE_CHECKING

from repcompanion.workspace.changes import ALL, NOTHING, AllHcps, Changes, Outcome, changes_of
from repcompanion.workspace.consent import CONSENT_WAYS, ConsentCaptureError
from repcompanion.workspace.core import Workspace, WorkspaceSummary
from repcompanion.workspace.day import (
    HOME,
    OFFICE,
    WEEKDAY_NAMES,
    DayManager,
    DaySettings,
    Place,
    PlaceNotFoundError,
    time_zone_names,
)
from repcompanion.workspace.directory import DirectoryEntry, DirectoryListing, DirectoryManager, EntryKind, Standing
from repcompanion.workspace.errors import MIN_PASSPHRASE_CHARS, KeyringKeyMissingError, PassphraseRequiredError
from repcompanion.workspace.followups import FollowUpLine, FollowUpManager, journey_title
from repcompanion.workspace.importing import ImportManager
from repcompanion.workspace.models import ModelManager
from repcompanion.workspace.numbers import (
    CallPlanNumbers,
    FrequencyNumbers,
    Numbers,
    NumbersManager,
    ReachNumbers,
    SuggestionNumbers,
)
from repcompanion.workspace.paths import database_path, default_folder
from repcompanion.workspace.plans import PlanManager, PlannedDay, parse_hours, parse_point, whole_minute
from repcompanion.workspace.ranking import RankingManager
from repcompanion.workspace.safety import acknowledgements
from repcompanion.workspace.syncing import SyncManager, SyncResult, SyncStatus
from repcompanion.workspace.ui_support import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    HcpDossier,
    TodayData,
    TodayFilter,
    TodayPatch,
    TodayRow,
    VisitCatalogue,
    action_label,
    feature_label,
    hcp_dossier,
    previous_today_data,
    report_from_payload,
    report_to_payload,
    sample_problems,
    today_data,
    today_patch,
    visit_catalogue,
)
from repcompanion.workspace.visits import (
    AUTOSAVE_PREFIX,
    DecisionChoice,
    DraftSafety,
    DraftVisit,
    EmptyVisitError,
    ReportedIntake,
    VisitManager,
    VisitSafety,
    VisitSave,
    autosave_key,
    is_empty_visit,
)

if TYPE_CHECKING:  # records of the engines behind the managers, for annotations (loaded with their engines)
    from repcompanion.intel.journeys import PlannedFollowUp as PlannedFollowUp
    from repcompanion.intel.plan import Candidate as Candidate
    from repcompanion.intel.plan import DayPlan as DayPlan
    from repcompanion.intel.plan import PlannedVisit as PlannedVisit
    from repcompanion.intel.plan import PlanSettings as PlanSettings
    from repcompanion.intel.safety import RestrictedHit as RestrictedHit
    from repcompanion.intel.safety import ScreenResult as ScreenResult
    from repcompanion.intel.safety import Span as Span
    from repcompanion.sync import LoginResult as LoginResult
    from repcompanion.sync import Rejection as Rejection

__all__ = [
    "ACTION_LABELS",
    "ALL",
    "AUTOSAVE_PREFIX",
    "CHANNEL_LABELS",
    "CONSENT_WAYS",
    "HOME",
    "MIN_PASSPHRASE_CHARS",
    "NOTHING",
    "OFFICE",
    "WEEKDAY_NAMES",
    "AllHcps",
    "CallPlanNumbers",
    "Changes",
    "ConsentCaptureError",
    "DayManager",
    "DaySettings",
    "DecisionChoice",
    "DirectoryEntry",
    "DirectoryListing",
    "DirectoryManager",
    "DraftSafety",
    "DraftVisit",
    "EmptyVisitError",
    "EntryKind",
    "FollowUpLine",
    "FollowUpManager",
    "FrequencyNumbers",
    "HcpDossier",
    "ImportManager",
    "KeyringKeyMissingError",
    "ModelManager",
    "Numbers",
    "NumbersManager",
    "Outcome",
    "PassphraseRequiredError",
    "Place",
    "PlaceNotFoundError",
    "PlanManager",
    "PlannedDay",
    "RankingManager",
    "ReachNumbers",
    "ReportedIntake",
    "Standing",
    "SuggestionNumbers",
    "SyncManager",
    "SyncResult",
    "SyncStatus",
    "TodayData",
    "TodayFilter",
    "TodayPatch",
    "TodayRow",
    "VisitCatalogue",
    "VisitManager",
    "VisitSafety",
    "VisitSave",
    "Workspace",
    "WorkspaceSummary",
    "acknowledgements",
    "action_label",
    "autosave_key",
    "changes_of",
    "database_path",
    "default_folder",
    "feature_label",
    "hcp_dossier",
    "is_empty_visit",
    "journey_title",
    "parse_hours",
    "parse_point",
    "previous_today_data",
    "report_from_payload",
    "report_to_payload",
    "sample_problems",
    "time_zone_names",
    "today_data",
    "today_patch",
    "visit_catalogue",
    "whole_minute",
]
