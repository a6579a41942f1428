"""Problems and corrective actions (溯源整改): what a ProblemWorkflow holds and the messages people send it.

A problem explains recurring complaints: a pattern of them (a heat-map cell, an incident's, a look-back's
recurrences, or one a supervisor writes), the complaints linked to it, a root cause from the bank's table
(models/root_causes.toml), and corrective actions, each owned by a department with a due date. Its
improvement plan (root cause and at least one action) is due within the policy's `problems.plan` of opening,
a durable clock that warns and breaches; so is each action. Once every action is done the workflow measures
its effect (problems/effect.py) at each of the policy's checks; not effective at the last reopens it and
flags a surface fix against the actions' departments."""
import re
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

from models.incidents import COMPLAINT_ID
from models.intake import Strict
from models.messages import NOTE, Message
from models.policy import Problems

PROBLEM_ID = r"^PRB-\d{8}-[0-9a-f]{6}$"
LABEL = r"^[a-z0-9_]{1,64}$"
CODE = r"^[A-Z][A-Z0-9]{0,15}$"
DEPARTMENT = r"^[a-z0-9][a-z0-9_-]{1,63}$"
MAX_LINKED = 500      # the complaints a problem names; more match its pattern and are counted, not named
MAX_ACTIONS = 20
HISTORY_KEPT = 200
ROOT_CAUSES = Path(__file__).parent / "root_causes.toml"


class Source(StrEnum):
    HEATMAP = "heatmap"
    INCIDENT = "incident"
    LOOKBACK = "lookback"
    MANUAL = "manual"


class Status(StrEnum):
    OPEN = "open"              # the plan is being made
    PLANNED = "planned"        # root cause and actions set: the actions are being done
    MEASURING = "measuring"    # every action done: the effect is measured at each check
    EFFECTIVE = "effective"
    TOO_FEW = "too_few"        # the last check could not tell
    CLOSED = "closed"          # closed by a supervisor before the checks ended


class Pattern(Strict):
    """The complaints a problem is about: every field given must match (the read model's columns)."""
    business_type: str | None = Field(default=None, pattern=LABEL)
    problem_nature: str | None = Field(default=None, pattern=LABEL)
    code_business: str | None = Field(default=None, pattern=CODE)
    code_reason: str | None = Field(default=None, pattern=CODE)
    department: str | None = Field(default=None, pattern=DEPARTMENT)

    @model_validator(mode="after")
    def _something(self) -> "Pattern":
        if not any(self.model_dump().values()):
            raise ValueError("a problem's pattern names at least one of business_type, problem_nature, "
                             "code_business, code_reason, department")
        return self

    def named(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class OpenProblem(Strict):
    """What opens a problem (the API's body)."""
    title: str = Field(min_length=1, max_length=200)
    source: Source = Source.MANUAL
    source_ref: str = Field(default="", max_length=64)  # the heat map's week, the incident's id, the month
    pattern: Pattern
    complaint_ids: list[Annotated[str, Field(pattern=COMPLAINT_ID)]] = Field(default_factory=list, max_length=100)


class StartProblem(Strict):
    problem_id: str = Field(pattern=PROBLEM_ID)
    opened: OpenProblem
    opened_by: str = Field(max_length=64)
    opened_at: datetime
    plan_due: datetime                      # `problems.plan` after opening, in working days (computed at open)
    timezone: str = Field(max_length=64)
    rules: Problems = Problems()
    causes: list[str] = Field(default_factory=list, max_length=64)  # the root-cause table's codes when opened


class SetRootCause(Message):
    code: str = Field(pattern=LABEL)
    note: str = Field(min_length=1, max_length=2000)


class AddAction(Message):
    what: str = Field(min_length=1, max_length=1000)
    department: str = Field(pattern=DEPARTMENT)
    due: date


class CompleteAction(Message):
    action_id: str = Field(pattern=r"^A\d{1,2}$")
    note: str = Field(min_length=1, max_length=2000)


class SubmitPlan(Message):
    note: str = NOTE


class LinkComplaints(Message):
    complaint_ids: list[Annotated[str, Field(pattern=COMPLAINT_ID)]] = Field(min_length=1, max_length=100)


class CloseProblem(Message):
    reason: str = Field(min_length=1, max_length=2000)


PROBLEM_MESSAGES: dict[str, type[Message]] = {
    "set_root_cause": SetRootCause, "add_action": AddAction, "complete_action": CompleteAction,
    "submit_plan": SubmitPlan, "link": LinkComplaints, "close": CloseProblem,
}
SUPERVISOR_ONLY = frozenset({"set_root_cause", "add_action", "submit_plan", "close"})


class Action(BaseModel):
    id: str
    what: str
    department: str
    due: date
    added_by: str
    added_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    note: str = ""
    warned: bool = False
    breached: bool = False


class Check(BaseModel):
    """One measurement of the effect (problems/effect.py), `days` after the actions were done."""
    days: int
    at: datetime
    before: int
    before_days: float
    after: int
    after_days: float
    ratio: float | None
    p_fell: float
    p_short: float
    verdict: Literal["effective", "not_effective", "too_few"]


class Entry(BaseModel):
    at: datetime
    action: str
    actor_id: str
    detail: str = ""


class ProblemAnswer(BaseModel):
    message_id: str
    action: str
    digest: str


class ProblemState(BaseModel):
    problem_id: str
    title: str
    source: Source
    source_ref: str = ""
    pattern: Pattern
    opened_by: str
    opened_at: datetime
    timezone: str
    status: Status = Status.OPEN
    plan_from: datetime                    # the plan's clock runs from here (opening, or a reopening)
    plan_due: datetime
    plan_warned: bool = False
    plan_breached: bool = False
    planned_at: datetime | None = None
    root_cause: str | None = None
    root_cause_note: str = ""
    actions: list[Action] = []
    linked: list[str] = []
    done_at: datetime | None = None        # every action done: the checks count from here
    checks: list[Check] = []
    reopened: int = 0                      # times a last check found the fix not effective
    surface_fix: list[str] = []            # the departments flagged for a fix on the surface
    closed_reason: str = ""
    history: list[Entry] = []
    answered: list[ProblemAnswer] = []
    version: int = 0

    def answer_to(self, message_id: str) -> ProblemAnswer | None:
        return next((a for a in self.answered if a.message_id == message_id), None)

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)

    @property
    def verdict(self) -> str | None:
        return self.checks[-1].verdict if self.checks else None

    @property
    def live(self) -> bool:
        return self.status in (Status.OPEN, Status.PLANNED, Status.MEASURING)


def action_deadline(due: date, tz: str) -> datetime:
    """An action due on a day is due by the end of that day in the bank's zone (24:00)."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


class Measure(BaseModel):
    """What the workflow asks the read model at a check: complaints of the pattern in two windows."""
    problem_id: str
    pattern: Pattern
    before_from: datetime
    before_to: datetime
    after_from: datetime
    after_to: datetime
    rules: Problems = Problems()    # the policy pinned when the problem opened


class Notice(BaseModel):
    """A staff notice a problem writes once (its key names the problem and the event)."""
    problem_id: str
    key: str
    recipient_kind: str          # supervisor / department
    recipient: str
    template: str                # problem_plan_warning / problem_plan_breached / problem_action_due / …
    params: dict[str, Any] = {}


@lru_cache(maxsize=4)
def root_causes(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """The bank's root-cause table (ROOT_CAUSES_FILE, else the product's): code -> (Chinese, English). A
    problem pins the codes when it opens, so an edit never changes a running one's rules."""
    with (path or ROOT_CAUSES).open("rb") as f:
        table = tomllib.load(f)
    causes = {str(code): (str(v["zh"]), str(v["en"])) for code, v in table["cause"].items()}
    if not causes or any(not re.fullmatch(LABEL[1:-1], code) for code in causes):
        raise ValueError(f"{path or ROOT_CAUSES}: each [cause.<code>] has a code of a-z, 0-9 and _ (and zh, en)")
    return causes
