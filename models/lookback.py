"""The monthly look-back (每月抽取10%已解决问题"回头看"): inputs, the revisit message, views."""
import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from models.intake import Strict
from models.messages import Message

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(value: str) -> str:
    if not _MONTH.match(value):
        raise ValueError(f"month must look like 2026-10, not {value!r}")
    return value


class RevisitOutcomeKind(StrEnum):
    CONFIRMED_RESOLVED = "confirmed_resolved"
    RECURRED = "recurred"
    UNREACHABLE = "unreachable"


class RevisitOutcome(Message):
    """`revisit_outcome`: a handler called the customer back and records what they found."""

    outcome: RevisitOutcomeKind
    note: str = Field(default="", max_length=2000)


class LookBackInput(Strict):
    month: str | None = None  # None: the month before this run's date in the bank's time zone (the schedule)
    # A continued run (continue-as-new) carries where the month is: sampled and every revisit started.
    carried: "Taken | None" = None

    @field_validator("month")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        return check_month(v) if v is not None else v


class Sampled(BaseModel):
    complaint_id: str
    department: str
    first_responder_id: str


class Sample(BaseModel):
    month: str
    candidates: int
    candidates_by_department: dict[str, int]
    sampled: list[Sampled]
    revisit_due: datetime | None = None  # set by the activity from the policy's revisit limit


class Taken(BaseModel):
    """A month's sample, written to the read model (one row a revisit): what the month's workflow keeps of it,
    a few numbers however many revisits there are."""
    month: str
    candidates: int
    sampled: int
    revisit_due: datetime
    poll_seconds: float                     # how often the month looks at how its revisits stand


class RevisitPage(BaseModel):
    """Start the revisits of `month` after complaint id `after`, at most `limit` of them."""
    month: str
    after: str = ""
    limit: int = 200


class PageStarted(BaseModel):
    last: str | None                        # the last complaint id of the page; None: no revisit was left
    started: int                            # revisits started by this page (a retry's earlier starts not counted)


class RevisitInput(BaseModel):
    month: str
    complaint: Sampled
    due: datetime


class RevisitState(BaseModel):
    month: str
    complaint_id: str
    department: str
    due: datetime
    escalated: bool = False
    reopen_failed: str | None = None  # a recurrence that could not be reopened: an operator is told
    outcome: RevisitOutcomeKind | None = None
    actor_id: str | None = None
    note: str = ""
    decided_at: datetime | None = None
    reopened_as: str | None = None


class DepartmentSummary(BaseModel):
    sampled: int = 0
    confirmed: int = 0
    recurred: int = 0
    unreachable: int = 0


class LookBackState(BaseModel):
    """A month as people read it. The workflow keeps the summary only (its `revisits` stay empty: a large
    bank's month has thousands); the read model gives the revisits (api.lookbacks.month_state)."""
    month: str
    candidates: int = 0
    sampled: int = 0
    undecided: int = 0                      # revisits with no outcome yet
    revisits: list[RevisitState] = []
    by_department: dict[str, DepartmentSummary] = {}
    finished_at: datetime | None = None
    note: str = ""

    def summarise(self) -> None:
        summary: dict[str, DepartmentSummary] = {}
        for r in self.revisits:
            d = summary.setdefault(r.department, DepartmentSummary())
            d.sampled += 1
            if r.outcome is RevisitOutcomeKind.CONFIRMED_RESOLVED:
                d.confirmed += 1
            elif r.outcome is RevisitOutcomeKind.RECURRED:
                d.recurred += 1
            elif r.outcome is RevisitOutcomeKind.UNREACHABLE:
                d.unreachable += 1
        self.by_department = dict(sorted(summary.items()))

    @property
    def total(self) -> DepartmentSummary:
        t = DepartmentSummary()
        for d in self.by_department.values():
            t.sampled, t.confirmed = t.sampled + d.sampled, t.confirmed + d.confirmed
            t.recurred, t.unreachable = t.recurred + d.recurred, t.unreachable + d.unreachable
        return t


LookBackInput.model_rebuild()
