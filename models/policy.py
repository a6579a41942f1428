"""The SLA policy: the spec's time-limit table as data. Pinned into each complaint when it starts."""
import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from models.enums import Level
from models.sla import Milestone
from models.workdays import Workdays

_DURATION = re.compile(r"^(\d{1,6})(s|m|h|d|wd)$")  # six digits: a year in seconds, and no overflow
WALL_CLOCK_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> tuple[int, str]:
    """`"90s"`, `"30m"`, `"1h"` (wall clock), `"15d"` (calendar days), `"3wd"` (working days)."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"bad duration {text!r}: use a positive number (at most six digits) with s, m, h, d or wd, e.g. \"3wd\"")
    return int(m.group(1)), m.group(2)


def wall_clock(text: str) -> timedelta | None:
    """The duration as a timedelta when it runs on the wall clock; None for calendar-bound ones."""
    n, unit = parse_duration(text)
    return timedelta(seconds=n * WALL_CLOCK_UNITS[unit]) if unit in WALL_CLOCK_UNITS else None


def without_holidays(start: datetime, text: str, tz: str) -> datetime:
    """When a limit of `text` that starts at `start` runs out, for a limit that needs no holiday table: the
    wall clock (in UTC, so a DST change is counted in real hours), or `Nd`, ending at 24:00 in `tz` of the
    N-th calendar day after the day it starts. Pure, so the workflow computes it; ValueError for `Nwd`."""
    if start.tzinfo is None:
        raise ValueError("start must be time-zone aware")
    span = wall_clock(text)
    if span is not None:
        return start.astimezone(UTC) + span
    n, unit = parse_duration(text)
    if unit != "d":
        raise ValueError(f"{text!r} counts working days: it needs the holiday tables")
    zone = ZoneInfo(tz)
    last = start.astimezone(zone).date() + timedelta(days=n)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def _no_working_days(text: str) -> str:
    if parse_duration(text)[1] == "wd":
        raise ValueError(f"bad duration {text!r}: use calendar days (d) or the wall clock (s, m, h) here")
    return text


def approx_span(text: str) -> timedelta:
    """How long a duration lasts at most, for comparing against ceilings (a working day counts 7/5 of a day,
    so "21wd" is about a month): exact on the wall clock, generous on the calendar."""
    n, unit = parse_duration(text)
    if unit in WALL_CLOCK_UNITS:
        return timedelta(seconds=n * WALL_CLOCK_UNITS[unit])
    return timedelta(days=n if unit == "d" else -(-n * 7 // 5))


def _check_duration(text: str) -> str:
    parse_duration(text)
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]
# A limit the workflow computes itself (`without_holidays`): never in working days.
CalendarDuration = Annotated[str, AfterValidator(_check_duration), AfterValidator(_no_working_days)]

# Which clocks a level may have, and the milestone that stops each.
LEVEL_CLOCKS: dict[str, Milestone] = {
    "first_response": Milestone.ACCEPTED,
    "plan": Milestone.RESPONSE_SENT,
    "result": Milestone.RESPONSE_SENT,
}
CLOCK_LABELS = {
    "first_response": "first response",
    "plan": "plan announced",
    "result": "result to customer",
    "first_disposal": "first disposal (emergency)",
    "decision": "regulatory decision",
    "review": "review decision",
    "resolve": "dissatisfaction resolved",
    "reply": "work order reply",
    "verify_window": "customer verification",
    "revisit": "look-back revisit",
}
# Every clock and what stops it.
CLOCK_MILESTONES: dict[str, Milestone] = {
    **LEVEL_CLOCKS,
    "first_disposal": Milestone.DISPOSAL_APPROVED,
    "decision": Milestone.RESPONSE_SENT,
    "review": Milestone.RESPONSE_SENT,
    "resolve": Milestone.RESPONSE_SENT,
    "reply": Milestone.WORK_ORDER_ANSWERED,
    "verify_window": Milestone.CUSTOMER_FEEDBACK,
}
# The bank's own resolution clocks pause while the complaint waits on the customer; response clocks do not,
# nor does the regulatory decision: Order No. 3 lets no time out of its limit but an external appraisal's.
PAUSABLE = {"plan", "result", "resolve"}
# An external appraisal, test or assessment (鉴定、检测、评估) pauses those and the regulatory decision: "相关期间
# 可以不计入消费投诉处理期限，但应当及时告知投诉人" (Order No. 3; docs/sla.md).
APPRAISAL_PAUSES = PAUSABLE | {"decision", "review"}


class _Section(BaseModel):
    # Frozen: a pinned policy is never changed in place, so a worker's complaints can share one (`shared`).
    model_config = ConfigDict(extra="forbid", frozen=True)


class Emergency(_Section):
    first_response: Duration = "1h"
    first_disposal: Duration = "4h"


class WorkOrderLimits(_Section):
    reply: Duration = "24h"


class Dissatisfied(_Section):
    resolve: Duration = "24h"


class Regulatory(_Section):
    """Order No. 3's decision limits, each from receipt: 15 days; a complex case extended to 30 by a supervisor;
    an especially complex one a further 30 (to 60) only with a higher-level or head-office approver's
    authority (`Policy.head_office`); never beyond."""
    decision: Duration = "15d"
    extended: Duration = "30d"
    further: Duration = "60d"


class Review(_Section):
    """The customer's review (核查) of a decision by the higher-level unit: applied for within `apply` of the
    decision (to the end of that day in the bank's zone), decided within `decide` of the application."""
    apply: CalendarDuration = "30d"
    decide: Duration = "30d"


class Redress(_Section):
    """Money a decision gives the customer: above `approval_above` (per currency; a currency not listed always)
    it needs a second person's `approve_redress` before the decision goes out."""
    approval_above: dict[str, Decimal] = Field(default_factory=lambda: {"CNY": Decimal("5000")})

    def needs_approval(self, amount: Decimal, currency: str) -> bool:
        limit = self.approval_above.get(currency)
        return limit is None or amount > limit


class Problems(_Section):
    """Problems and their corrective actions (溯源整改): the improvement plan within `plan` of opening (the
    quality manual's Level II: 3 working days), and the effect measured `checks_days` after the actions are
    done against `before_days` before opening (problems/effect.py says how)."""
    plan: Duration = "3wd"
    checks_days: list[int] = Field(default_factory=lambda: [30, 60, 90], min_length=1, max_length=6)
    before_days: int = Field(default=90, ge=7, le=365)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    material: float = Field(default=0.8, gt=0, lt=1)   # a fall smaller than 20% is not an effect
    target: float = Field(default=0.5, gt=0, lt=1)     # a fix halves its complaints at least
    min_total: int = Field(default=10, ge=1)


class LookBack(_Section):
    share: float = Field(default=0.10, gt=0, le=1)
    revisit: Duration = "5wd"
    hour: int = Field(default=9, ge=0, le=23)
    # How often a month's workflow reads how its revisits stand (from the read model, a few counts): the month
    # is marked finished at most this long after its last revisit is decided.
    poll: Duration = "1h"


class Incidents(_Section):
    """The major-incident detector's rules (incidents/detect.py); the defaults work with no history."""

    window_minutes: float = Field(default=30.0, gt=0, le=24 * 60)  # fractions for a compressed clock (bench/)
    baseline_weeks: int = Field(default=4, ge=0, le=26)
    alpha: float = Field(default=1e-6, gt=0, lt=0.5)         # chance of the count under the baseline
    min_count: int = Field(default=8, ge=2)                  # never fewer complaints than this
    floor_per_hour: float = Field(default=0.5, ge=0)         # the least rate assumed (no history: all of it)
    similar: float = Field(default=0.55, gt=0, lt=1)         # cosine at which two complaints tell one story
    link: float = Field(default=0.55, gt=0, lt=1)            # cosine to an incident's centre that links
    quiet_hours: float = Field(default=3, gt=0)              # no new complaint for this long: linking stops
    neighbours: int = Field(default=2, ge=1)                 # members `similar` alike that also link
    link_same_label: float = Field(default=0.4, gt=0, lt=1)  # cosine that links with a main business type
    every: Duration = "2m"                                   # how often the watch looks, and an incident links
    # A new story (incidents.detect.stories): the outage too small or slow to crowd one short window.
    story_window_minutes: float = Field(default=180.0, gt=0, le=24 * 60)
    story_days: float = Field(default=7.0, gt=0, le=90)       # the intake whose share of each story is usual
    story_after_days: float = Field(default=1.0, ge=0)        # history needed first (a fresh install has none)
    story_min_count: int = Field(default=6, ge=2)
    # The clocks of a linked complaint that the incident's announced plan meets (the customer has been told).
    announcement_meets: list[str] = Field(default_factory=lambda: ["first_response", "plan"])

    def story_spans(self, now: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
        """The story window ending at `now`, and the `story_days` of history before it (incidents.detect.stories).
        The history of the moment an incident opened is what the bank heard before it began (its everyday)."""
        start = now - timedelta(minutes=self.story_window_minutes)
        return (start, now), (start - timedelta(days=self.story_days), start)

    def stopped_linking(self, last_linked_at: datetime | None, now: datetime) -> bool:
        """Quiet for `quiet_hours` since a complaint alike the incident itself: it links nothing more (its own
        scans stop, and the watch no longer counts it as open)."""
        return last_linked_at is not None and now - last_linked_at > timedelta(hours=self.quiet_hours)


class Records(_Section):
    """How long a closed complaint's personal data is kept. Order No. 3 asks that complaint records be kept at
    least three years after the complaint is concluded; past that (and with no legal hold) the sweep erases
    the personal data and keeps the figures (docs/operations.md, "Records")."""
    retention: Duration = "1095d"
    sweep: Duration = "24h"                  # how often the retention sweep runs (its Schedule)


class Limits(_Section):
    """What keeps one complaint's history bounded however its clients behave."""

    oldest_intake: Duration = "30d"          # an intake received longer ago than this is refused
    notes_per_hour: int = Field(default=60, ge=1)
    # A complaint's state travels whole in every continue-as-new and query: its lists are bounded too.
    work_orders: int = Field(default=20, ge=1)
    info_requests: int = Field(default=20, ge=1)
    # Past this many history events the workflow continues as new, carrying its state (Temporal also
    # suggests it near its own limits, whichever comes first).
    # Keep it at or below the server's signals-per-run limit (complaints/devserver.py: 2,000).
    history_events: int = Field(default=2000, ge=100)


class Repeats(_Section):
    """Order No. 3 lets the same complaint, repeated while one is handled, be merged with it. A new complaint is
    offered to its handler as a repeat of an open one of the same customer with the same business type and
    problem nature whose text is at least this alike (cosine of the two texts' meaning vectors)."""
    similarity: float = Field(default=0.6, gt=0, le=1)


class Script(_Section):
    """The response script: every response needs each part, and none of the prohibited phrases."""

    prohibited: list[str] = [
        "这不是我的职责", "不归我管", "这不是我们的问题", "你自己看着办",
        "not my job", "not my responsibility", "not our problem", "nothing we can do",
    ]


def _default_levels() -> dict[Level, dict[str, str]]:
    return {
        Level.I: {"first_response": "1h", "plan": "24h"},
        Level.II: {"plan": "3wd"},
        Level.III: {"first_response": "1wd", "result": "7wd"},
    }


class CodeIds(_Section):
    """The codes of the regulator's code table in force when a complaint came in, per dimension."""
    table: str = ""
    channel: list[str] = Field(default_factory=list)
    business: list[str] = Field(default_factory=list)
    reason: list[str] = Field(default_factory=list)


class Policy(_Section):
    """Validated without I/O, so workflow code can carry it; `sla.policy_file` checks that the region's
    calendar and the time zone exist when a policy is loaded."""

    name: str = "default"
    region: str = "CN"
    timezone: str = "Asia/Shanghai"
    warn_at: float = 0.8
    verify_window: Duration = "3wd"
    level: dict[Level, dict[str, Duration]] = Field(default_factory=_default_levels)
    emergency: Emergency = Emergency()
    work_order: WorkOrderLimits = WorkOrderLimits()
    dissatisfied: Dissatisfied = Dissatisfied()
    regulatory: Regulatory = Regulatory()
    review: Review = Review()
    redress: Redress = Redress()
    problems: Problems = Problems()
    repeats: Repeats = Repeats()
    lookback: LookBack = LookBack()
    records: Records = Records()
    limits: Limits = Limits()
    incidents: Incidents = Incidents()
    # Routine commitments: at least this share of complaints closed within their commitment (the dashboard's
    # line), and how far back the same customer's complaints count as recent (a repeat is more urgent).
    commitment: float = Field(default=0.9, gt=0, le=1)
    recent_window: Duration = "90d"
    script: Script = Script()
    # The registered departments' ids, pinned at start from the registry (models/departments.py); empty: none
    # pinned, nothing checked against it.
    departments: list[str] = Field(default_factory=list)
    # The departments whose supervisors hold the higher-level (head-office) authority a further extension of
    # the regulatory decision needs, pinned the same way (a department's `head_office` in the registry).
    head_office: list[str] = Field(default_factory=list)
    # The regulator's code table's codes, pinned the same way (models/codes.py): a decision may carry only
    # these. Empty: none pinned, nothing checked against it.
    codes: CodeIds = CodeIds()
    # The region's working days around the worker's start, pinned the same way (models/workdays.py): a
    # working-day deadline is computed in the workflow. None: each one is asked of an activity.
    workdays: Workdays | None = None

    @field_validator("warn_at")
    @classmethod
    def _warn_at(cls, v: float) -> float:
        if not 0 < v < 1:
            raise ValueError("warn_at must be a share strictly between 0 and 1, e.g. 0.8")
        return v

    @model_validator(mode="after")
    def _level_clocks(self) -> "Policy":
        for level in Level:
            if level not in self.level:
                raise ValueError(f"level {level.value} has no time limits")
            for clock in self.level[level]:
                if clock not in LEVEL_CLOCKS:
                    raise ValueError(
                        f"level {level.value}: unknown time limit {clock!r} (known: {', '.join(LEVEL_CLOCKS)})")
        return self


_SHARED: dict[str, "Policy"] = {}
_SHARED_MAX = 64  # distinct pinned policies a worker keeps: one per edit of the file, a handful in a year


def shared(policy: Policy) -> Policy:
    """The one object of this worker equal to `policy`: every complaint pinned with the same policy holds
    the same (frozen) object instead of its own copy, about 19 KiB a cached complaint
    (bench/README.md, memory per cached complaint). Equal policies behave identically, so which object a
    workflow holds never changes what it does; past the bound a policy is simply kept as given."""
    key = policy.model_dump_json()
    if (found := _SHARED.get(key)) is not None:
        return found
    if len(_SHARED) < _SHARED_MAX:
        _SHARED[key] = policy
    return policy
