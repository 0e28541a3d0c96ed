"""All models, importable from one place: ``from webapp.models import Wave, Person``."""

from questionnaires.model import FYLKER

from .audit import AuditEvent
from .coding import CodebookVersion, CodingDecision, CodingMemo, CodingResolution, CodingSuggestion  # noqa: F401 - coding tables (webapp.models.coding)
from .invitation import INVITATION_STATUSES, Invitation, InvitationStatus
from .job import JOB_STATUSES, Job, JobStatus
from .panel import ORGANISATION_KINDS, Contact, Organisation, Person, new_panel_id
from .questionnaire import QuestionnaireDraft, QuestionnaireVersion
from .response import RESPONSE_STATUSES, Answer, Response, ResponseStatus
from .schedule import ScheduledRun
from .types import UTCDateTime, utcnow
from .user import USER_ROLES, User, UserRole
from .wave import WAVE_STATUSES, Wave, WaveQuestionnaire, WaveStatus

__all__ = [
    "FYLKER",
    "INVITATION_STATUSES",
    "JOB_STATUSES",
    "ORGANISATION_KINDS",
    "RESPONSE_STATUSES",
    "USER_ROLES",
    "WAVE_STATUSES",
    "Answer",
    "AuditEvent",
    "Contact",
    "Invitation",
    "Job",
    "InvitationStatus",
    "JobStatus",
    "Organisation",
    "Person",
    "ResponseStatus",
    "UserRole",
    "WaveStatus",
    "QuestionnaireDraft",
    "QuestionnaireVersion",
    "Response",
    "ScheduledRun",
    "UTCDateTime",
    "User",
    "Wave",
    "WaveQuestionnaire",
    "new_panel_id",
    "utcnow",
]
