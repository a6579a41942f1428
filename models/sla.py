"""An SLA clock as the workflow holds it and the `sla` query shows it.

Pure data plus arithmetic on times it is given, so workflow code can use it deterministically."""
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import computed_field, model_validator

from models.lean import Lean


class Milestone(StrEnum):
    """What stops a clock. Named here, not guessed from whatever message came last."""

    ACCEPTED = "accepted"                    # `accept`
    RESPONSE_SENT = "response_sent"          # `propose_response`, once the response is sent
    DISPOSAL_APPROVED = "disposal_approved"  # second `approve_disposal` of an emergency
    WORK_ORDER_ANSWERED = "work_order_answered"
    CUSTOMER_FEEDBACK = "customer_feedback"


class Expiry(StrEnum):
    BREACH = "breach"                        # an SLA limit: warn, then escalate at the deadline
    CLOSE_NO_FEEDBACK = "close_no_feedback"  # the verification window: silence closes the case


class ClockKind(StrEnum):
    """Every SLA clock a complaint can run."""

    FIRST_RESPONSE = "first_response"
    PLAN = "plan"
    RESULT = "result"
    FIRST_DISPOSAL = "first_disposal"
    DECISION = "decision"
    REVIEW = "review"                  # a review (核查) of the decision, by the higher-level unit
    RESOLVE = "resolve"                # after a dissatisfaction event; one round each
    REPLY = "reply"                    # a work order's; one per work order
    VERIFY_WINDOW = "verify_window"    # the customer's; one round per response


def clock_name(kind: ClockKind, round: int = 1, work_order: str | None = None) -> str:
    """The clock's stable key (audit trail, SLA events, the `sla` query): `reply:WO-2`, `resolve#2`."""
    base = f"{kind.value}:{work_order}" if work_order else kind.value
    return base if round == 1 else f"{base}#{round}"


class Clock(Lean):
    name: str                  # clock_name(kind, round, work_order)
    kind: ClockKind
    round: int = 1
    work_order: str | None = None
    label: str
    milestone: Milestone
    pausable: bool = False
    expiry: Expiry = Expiry.BREACH
    started_at: datetime
    due_at: datetime           # deadline before any pause
    warn_share: float = 0.8
    paused_for: timedelta = timedelta(0)
    paused_since: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    met_at: datetime | None = None
    stopped_at: datetime | None = None  # the complaint closed (e.g. withdrawn) before the milestone
    extensions: int = 0                 # how often its limit was extended (the regulatory decision: at most 2)

    @model_validator(mode="before")
    @classmethod
    def _typed_from_name(cls, data: Any) -> Any:
        """Clocks written before they were typed carry only their name: read kind, work order and round off it."""
        if isinstance(data, dict) and "kind" not in data and isinstance(data.get("name"), str):
            base, _, rnd = data["name"].partition("#")
            kind, _, work_order = base.partition(":")
            data = {**data, "kind": kind, "round": int(rnd) if rnd else 1, "work_order": work_order or None}
        return data

    @property
    def running(self) -> bool:
        return self.met_at is None and self.breached_at is None and self.stopped_at is None

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def deadline(self, now: datetime | None = None) -> datetime:
        """The deadline with paused time added; a running pause counts up to `now`."""
        extra = self.paused_for
        if self.paused_since is not None and now is not None:
            extra += max(now - self.paused_since, timedelta(0))
        return self.due_at + extra

    def warn_time(self) -> datetime:
        span = self.due_at - self.started_at
        return self.started_at + span * self.warn_share + self.paused_for

    def time_left(self, now: datetime) -> timedelta:
        return self.deadline(now) - now

    def next_event(self) -> datetime | None:
        """When this clock next needs the workflow's attention (warning or deadline)."""
        if not self.running or self.paused:
            return None
        if self.expiry is Expiry.BREACH and self.warned_at is None and self.warn_time() < self.deadline():
            return self.warn_time()
        return self.deadline()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def extended(self) -> bool:
        return self.extensions > 0

    def pause(self, now: datetime) -> None:
        """Stop counting while the complaint waits on the customer: only a pausable clock does."""
        if self.pausable:
            self.hold(now)

    def hold(self, now: datetime) -> None:
        """Stop counting whatever the kind (an external appraisal stops the regulatory decision too)."""
        if self.running and not self.paused:
            self.paused_since = now

    def resume(self, now: datetime) -> None:
        if self.paused_since is not None:
            self.paused_for += max(now - self.paused_since, timedelta(0))
            self.paused_since = None
