"""Problems and corrective actions through the door (workflows/problem.py): opening one (once per request, by
its idempotency key), a person's message to it as a sealed update, its state, the lists and the figures from
the read model, and the complaints that match it and are not linked yet (offered for linking)."""
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.problems import matching
from api import sealed_updates
from models.messages import Message
from models.policy import Policy
from models.problems import PROBLEM_MESSAGES, OpenProblem, ProblemState, StartProblem, root_causes
from models.tables import ComplaintRow, ProblemActionRow, ProblemLink, ProblemRow
from sla.calendar import calendar_for
from workflows.problem import ProblemWorkflow


@dataclass(frozen=True)
class Opened:
    problem_id: str
    created: bool


def problem_id_for(now: datetime, tz: str, message_id: str | None) -> str:
    """`PRB-<local date>-<6 hex>`: from the request's idempotency key when it has one, so a retry opens the same
    problem; a fresh one otherwise."""
    tail = hashlib.sha256(message_id.encode()).hexdigest()[:6] if message_id else uuid.uuid4().hex[:6]
    return f"PRB-{now.astimezone(ZoneInfo(tz)).strftime('%Y%m%d')}-{tail}"


async def open_problem(client: Client, body: OpenProblem, actor_id: str, policy: Policy, task_queue: str,
                       message_id: str | None, now: datetime | None = None, causes: list[str] | None = None) -> Opened:
    """Start the problem's workflow once (its id from the request's key); `causes`: the root-cause table's codes
    it pins (the product's table when not given)."""
    now = now or datetime.now(UTC)
    pid = problem_id_for(now, policy.timezone, message_id)
    plan_due = calendar_for(policy.region, policy.timezone).deadline(now, policy.problems.plan)
    start = StartProblem(problem_id=pid, opened=body, opened_by=actor_id, opened_at=now, plan_due=plan_due,
                         timezone=policy.timezone, rules=policy.problems, causes=causes or list(root_causes()))
    try:
        await client.start_workflow(ProblemWorkflow.run, start, id=pid, task_queue=task_queue,
                                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
    except WorkflowAlreadyStartedError:
        return Opened(pid, created=False)
    return Opened(pid, created=True)


async def update(client: Client, problem_id: str, name: str, msg: Message, message_id: str | None = None
                 ) -> ProblemState:
    return await sealed_updates.update(client, "problem", problem_id, name, msg, PROBLEM_MESSAGES, ProblemState, message_id)


async def state(client: Client, problem_id: str) -> ProblemState:
    return await sealed_updates.state(client, "problem", problem_id, ProblemState)


def listed(engine: Engine, live_only: bool = False, limit: int = 200) -> list[ProblemRow]:
    with Session(engine) as session:
        query = select(ProblemRow).order_by(col(ProblemRow.opened_at).desc()).limit(limit)
        if live_only:
            query = query.where(col(ProblemRow.status).in_(["open", "planned", "measuring"]))
        return list(session.exec(query).all())


def offered(engine: Engine, s: ProblemState, limit: int = 50) -> list[str]:
    """New complaints of the problem's pattern since it opened, linked to it not yet: offered for linking."""
    with Session(engine) as session:
        return list(session.exec(select(ComplaintRow.id).where(
            *matching(s.pattern), col(ComplaintRow.received_at) >= s.opened_at,
            col(ComplaintRow.id).not_in(select(ProblemLink.complaint_id).where(
                col(ProblemLink.problem_id) == s.problem_id)))
            .order_by(col(ComplaintRow.received_at).desc()).limit(limit)).all())


@dataclass(frozen=True)
class Figures:
    """The dashboard's line on problems."""
    live: int
    overdue_actions: int
    plans_breached: int
    judged: int            # problems whose last check gave a verdict (effective or not)
    effective: int

    @property
    def effective_share(self) -> float | None:
        return self.effective / self.judged if self.judged else None


def figures(engine: Engine, today: date) -> Figures:
    with Session(engine) as session:
        def count(*where) -> int:
            return int(session.exec(select(func.count()).select_from(ProblemRow).where(*where)).one())

        live = count(col(ProblemRow.status).in_(["open", "planned", "measuring"]))
        overdue = int(session.exec(select(func.count()).select_from(ProblemActionRow).where(
            col(ProblemActionRow.done_at).is_(None), col(ProblemActionRow.due) < today)).one())
        breached = count(col(ProblemRow.plan_breached).is_(True), col(ProblemRow.planned_at).is_(None))
        effective = count(col(ProblemRow.verdict) == "effective")
        judged = count(col(ProblemRow.verdict).in_(["effective", "not_effective"])) + \
            count(col(ProblemRow.reopened) > 0, col(ProblemRow.verdict).is_(None))
    return Figures(live, overdue, breached, judged, effective)


def pattern_of(row: ProblemRow) -> dict[str, str]:
    return json.loads(row.pattern or "{}")
