"""Inputs and outputs that cross the workflow/activity boundary."""
from datetime import datetime

from pydantic import BaseModel, Field

from models.enums import Level
from models.intake import Intake, Strict
from models.lean import Lean
from models.policy import Policy
from models.state import Analysis, ComplaintState, HistoryEntry, ReviewOf


class Answered(Lean):
    """A message applied: what a repeat of its id is answered with (the same seq and digest, the state as
    it is now). Small on purpose: a worker keeps these for every complaint it has cached."""

    message_id: str
    action: str
    seq: int
    digest: str


class Carried(BaseModel):
    """What a complaint takes into its next run when it continues as new: everything it knows."""

    state: ComplaintState
    policy: Policy
    answered: list[Answered] = []  # the newest messages applied, so a retry after the new run changes nothing


class StartComplaint(Strict):
    intake: Intake
    complaint_id: str = Field(max_length=32)
    reopened_from: str | None = Field(default=None, max_length=32)  # a look-back found the problem came back
    surface_fix: bool = False
    level_floor: Level | None = None  # the reopened complaint is at least this urgent
    review_of: ReviewOf | None = None  # the customer's review (核查) of this complaint's decision
    carried: Carried | None = None    # only from the complaint's own continue-as-new
    started_at: datetime | None = None  # set by the workflow for its intake activity: its own start


class Received(BaseModel):
    """What the one intake activity returns: the policy pinned into the complaint, and its analysis."""

    policy: Policy
    analysis: Analysis


class DeadlineInput(BaseModel):
    region: str
    timezone: str
    start: datetime
    duration: str


class OutgoingNotification(BaseModel):
    key: str
    recipient_kind: str
    recipient: str
    channel: str
    template: str
    body: str
    at: datetime
    params: dict[str, str] = {}  # what the bank's template file fills in ({cid}, {what}, {day})


class SlaEvent(BaseModel):
    clock: str
    kind: str
    at: datetime
    deadline: datetime


class AuditEntry(HistoryEntry):
    stage: str


class RecordBatch(BaseModel):
    """Everything the workflow learnt since its last write, applied in one idempotent transaction."""

    state: ComplaintState  # sent without its history: the events carry that
    version: int
    events: list[AuditEntry] = []
    notifications: list[OutgoingNotification] = []
    sla_events: list[SlaEvent] = []


class Act:
    """Activity names, so workflow code need not import the activities (and their database code)."""

    INTAKE = "intake_complaint"  # receive and analyse in one step
    RECORD = "record_batch"
    DEADLINE = "compute_deadline"
