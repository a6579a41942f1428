"""Inputs and outputs that cross the workflow/activity boundary."""
from datetime import datetime

from pydantic import BaseModel

from models.enums import Level
from models.intake import Intake
from models.policy import Policy
from models.state import Analysis, ComplaintState, HistoryEntry


class StartComplaint(BaseModel):
    intake: Intake
    complaint_id: str
    reopened_from: str | None = None  # a look-back found the problem came back
    surface_fix: bool = False
    level_floor: Level | None = None  # the reopened complaint is at least this urgent


class AnalyseInput(BaseModel):
    complaint_id: str
    intake: Intake
    policy: Policy
    level_floor: Level | None = None


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

    INTAKE = "intake_complaint"  # receive and analyse in one step (workflows since "lean-lifecycle")
    RECEIVE = "receive_complaint"  # the two steps of workflows started before it, kept while any runs
    ANALYSE = "analyse_complaint"
    RECORD = "record_batch"
    DEADLINE = "compute_deadline"
