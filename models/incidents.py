"""A major incident as its workflow holds it (workflows/incident.py), the messages people send it, and what
the watch starts it with. Pure data: workflow code carries it."""
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from models.intake import Actor, Strict
from models.messages import DecisionParts, Message
from models.policy import Incidents

INCIDENT_ID = r"^INC-\d{12}-[0-9a-f]{6}$"
COMPLAINT_ID = r"^[A-Z]{2}\d{10}$"
MAX_MEMBERS = 5000          # a state travels whole in queries and continue-as-new: bounded
HISTORY_KEPT = 200
TEXT = Field(min_length=1, max_length=2000)


class Status(StrEnum):
    CANDIDATE = "candidate"   # found by the watch; a supervisor confirms or dismisses it
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"   # recorded with who and why; it teaches the detector nothing by itself
    RESOLVED = "resolved"
    MERGED = "merged"         # its complaints handed to another incident (`merged_into`)


class Confirm(Message):
    note: str = Field(default="", max_length=2000)


class Dismiss(Message):
    reason: str = TEXT


class Link(Message):
    complaint_id: str = Field(pattern=COMPLAINT_ID)


class Unlink(Message):
    complaint_id: str = Field(pattern=COMPLAINT_ID)
    reason: str = TEXT


class PublishPlan(Message):
    """The plan announced to every linked customer: Chinese, and English for customers who wrote in it."""
    zh: str = TEXT
    en: str = Field(default="", max_length=2000)


class Merge(Message):
    """The same outage as another incident: its complaints go there, and this one ends."""
    into: str = Field(pattern=INCIDENT_ID)
    reason: str = TEXT


class Split(Message):
    """Some of its complaints are another story: they leave for a new incident of their own."""
    complaint_ids: list[Annotated[str, Field(pattern=COMPLAINT_ID)]] = Field(min_length=1, max_length=MAX_MEMBERS)
    reason: str = TEXT


class Absorb(Message):
    """Another incident's complaints handed over by a merge (its customers were told already)."""
    from_incident: str = Field(pattern=INCIDENT_ID)
    complaint_ids: list[Annotated[str, Field(pattern=COMPLAINT_ID)]] = Field(max_length=MAX_MEMBERS)


class Resolve(Message, DecisionParts):
    """The incident is over: this response and decision are proposed to every linked complaint (each checks
    its script and its decision's parts)."""
    text: str = Field(min_length=1, max_length=4000)


INCIDENT_MESSAGES: dict[str, type[Message]] = {
    "confirm": Confirm, "dismiss": Dismiss, "link": Link, "unlink": Unlink, "publish_plan": PublishPlan,
    "resolve": Resolve, "merge": Merge, "split": Split, "absorb": Absorb,
}


class Entry(BaseModel):
    at: datetime
    action: str
    actor_id: str
    detail: str = ""


class Announcement(BaseModel):
    seq: int
    at: datetime
    by: str
    zh: str
    en: str = ""


class Told(BaseModel):
    """What the linked complaints' workflows said to an outreach: "sent", or a refusal's sentence and, when the
    refusal carried one, its code and values (so a page says it in its reader's language)."""
    said: dict[str, str] = {}
    codes: dict[str, dict[str, Any]] = {}


class Outreach(BaseModel):
    """Telling every linked complaint something: an announced plan, or a resolution's proposed response. The
    update that asks for it is answered first; the incident does this after, outside any handler (thousands of
    complaints take minutes), and carries what is left of it across continue-as-new."""
    kind: Literal["announce", "propose"]
    actor: Actor
    seq: int = 0                      # the announcement's number
    zh: str = ""
    en: str = ""
    text: str = ""                    # the proposed response
    decision: dict[str, str] = {}     # and its decision's parts (models.messages.DecisionParts)
    said: dict[str, str] = {}         # complaint id -> what its workflow said, so far
    codes: dict[str, dict[str, Any]] = {}  # complaint id -> its refusal's code and values


class StartIncident(Strict):
    incident_id: str = Field(pattern=INCIDENT_ID)
    opened_at: datetime
    rule: str = Field(max_length=16)
    key: str = Field(max_length=128)
    members: list[Annotated[str, Field(pattern=COMPLAINT_ID)]] = Field(max_length=MAX_MEMBERS)
    centre: str = Field(max_length=8192)            # base64 float32 unit vector
    labels: list[str] = Field(default_factory=list, max_length=8)
    rules: Incidents = Incidents()                  # the policy's, when the watch found it
    response_due: datetime                          # level I: confirmed or dismissed by then (1 h)
    plan_due: datetime                              # level I: a plan announced by then (24 h)
    carried: "IncidentState | None" = None          # a continued run: everything it knew


class IncidentAnswer(BaseModel):
    """A message applied to an incident: its id, its name and its body's digest (a repeat with another body is
    refused by the door, as a complaint's is)."""
    message_id: str
    action: str
    digest: str


ANSWERS_KEPT = 64


class IncidentState(BaseModel):
    incident_id: str
    opened_at: datetime
    rule: str
    key: str
    centre: str
    labels: list[str] = []
    status: Status = Status.CANDIDATE
    members: list[str] = []
    neighbours: list[str] = []        # members linked only as neighbours of others: never a neighbour themselves
    last_linked_at: datetime | None = None  # the last complaint linked by the centre or the label: keeps it linking
    grew_at: datetime | None = None         # the last scan that linked anything: the next looks again
    scanned_to: datetime | None = None    # the last link scan's end; the next looks back a window before it
    response_due: datetime            # level I: confirmed or dismissed within the hour
    plan_due: datetime                # level I: a plan announced within 24 hours
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""
    announcements: list[Announcement] = []
    breaches: list[str] = []          # clocks that passed their deadline: "response", "plan"
    resolved_at: datetime | None = None
    resolution: str = ""
    merged_into: str | None = None
    split_into: list[str] = []        # incidents split off this one
    proposed: dict[str, str] = {}     # complaint id -> what its workflow said to the proposed response
    told: dict[str, str] = {}         # complaint id -> what its workflow said to the newest announcement
    refused: dict[str, dict[str, Any]] = {}  # complaint id -> the code and values of its refusal of the response
    outreach: list[Outreach] = []     # what is still being told to the linked complaints, oldest first
    history: list[Entry] = []
    version: int = 0
    # Exactly once across runs: the newest messages applied, by message id (the update id), with their body's
    # digest; carried through continue-as-new with the rest (Temporal answers a repeated id within a run).
    answered: list[IncidentAnswer] = []

    def answer_to(self, message_id: str) -> "IncidentAnswer | None":
        return next((a for a in self.answered if a.message_id == message_id), None)

    @property
    def open(self) -> bool:
        return self.status in (Status.CANDIDATE, Status.CONFIRMED)


class LinkScan(BaseModel):
    """What the incident asks the read model for every few minutes: complaints received since `since` that
    match it and are linked to no incident."""
    incident_id: str
    centre: str
    labels: list[str]
    members: list[str]                # the newest members' ids not linked as neighbours (their vectors are read again)
    received_from: datetime           # complaints received from a window before the incident opened
    since: datetime                   # and written (received, classified, moved) since the last scan
    until: datetime
    again: bool = False               # it grew at its last scan: look again at all it passed over since it opened
    # What the bank heard before the incident began (`story_days` up to a story window before it opened): a
    # complaint more alike one of those than alike any member is not linked (incidents.detect.linking).
    everyday_from: datetime | None = None
    everyday_until: datetime | None = None


class Linked(BaseModel):
    """What a link scan found: the complaints to link, and those among them linked only as neighbours."""
    complaint_ids: list[str] = []
    neighbours: list[str] = []


class Notice(BaseModel):
    """The outbox rows an incident writes once: the supervisor's alert, an announcement to each customer."""
    incident_id: str
    kind: str                         # alert / linked / plan / breach
    seq: int = 0
    complaint_ids: list[str] = []
    zh: str = ""
    en: str = ""


StartIncident.model_rebuild()
