"""A problem's activities: write its read-model rows, its staff notices, and measure its effect. Each is safe to
retry: rows are versioned or keyed, and a measurement is a read."""
import json
from datetime import UTC, datetime

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from complaints.db import insert_ignore, upsert_versioned
from models.problems import Check, Measure, Notice, Pattern, ProblemState
from models.tables import ComplaintRow, Notification, ProblemActionRow, ProblemLink, ProblemRow
from problems.effect import judge


def matching(pattern: Pattern):
    """The read model's condition for the complaints of `pattern` (reviews are not new complaints)."""
    conditions = [col(getattr(ComplaintRow, field)) == value for field, value in pattern.named().items()]
    return [*conditions, col(ComplaintRow.review_of).is_(None)]


def count_between(engine: Engine, pattern: Pattern, start: datetime, end: datetime) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(ComplaintRow).where(
            *matching(pattern), col(ComplaintRow.received_at) >= start, col(ComplaintRow.received_at) < end)).one())


class ProblemActivities:
    def __init__(self, engine: Engine):
        self.engine = engine

    @activity.defn(name="record_problem")
    def record_problem(self, s: ProblemState) -> None:
        with Session(self.engine) as session:
            upsert_versioned(session, ProblemRow, dict(
                id=s.problem_id, title=s.title, source=s.source.value, source_ref=s.source_ref,
                pattern=s.pattern.model_dump_json(exclude_none=True), status=s.status.value, opened_by=s.opened_by,
                opened_at=_utc(s.opened_at), plan_due=_utc(s.plan_due), plan_breached=s.plan_breached,
                planned_at=s.planned_at, root_cause=s.root_cause, linked=len(s.linked), done_at=s.done_at,
                verdict=s.verdict, reopened=s.reopened, surface_fix=",".join(s.surface_fix), version=s.version))
            for a in s.actions:
                session.merge(ProblemActionRow(id=f"{s.problem_id}/{a.id}", problem_id=s.problem_id,
                                               department=a.department, what=a.what, due=a.due, done_at=a.done_at,
                                               breached=a.breached))
            insert_ignore(session, ProblemLink, [dict(problem_id=s.problem_id, complaint_id=c) for c in s.linked])
            session.exec(delete(ProblemLink).where(col(ProblemLink.problem_id) == s.problem_id,
                                                   col(ProblemLink.complaint_id).not_in(s.linked)))
            session.commit()

    @activity.defn(name="problem_notice")
    def problem_notice(self, notices: list[Notice]) -> None:
        """Staff notices, each keyed by problem and event: a retry writes none twice."""
        at = activity.info().scheduled_time
        rows = [dict(key=n.key, complaint_id=n.problem_id, recipient_kind=n.recipient_kind, recipient=n.recipient,
                     channel="internal", template=n.template, body=f"Problem {n.problem_id}: {n.template}",
                     created_at=at, params=json.dumps(n.params, ensure_ascii=False)) for n in notices]
        with Session(self.engine) as session:
            insert_ignore(session, Notification, rows)
            session.commit()

    @activity.defn(name="measure_problem")
    def measure_problem(self, m: Measure) -> Check:
        """The pattern's complaints before the problem opened and after its actions were done, judged."""
        before = count_between(self.engine, m.pattern, m.before_from, m.before_to)
        after = count_between(self.engine, m.pattern, m.after_from, m.after_to)
        r = m.rules
        e = judge(before, _days(m.before_to - m.before_from), after, _days(m.after_to - m.after_from),
                  alpha=r.alpha, material=r.material, target=r.target, min_total=r.min_total)
        return Check(days=0, at=activity.info().scheduled_time, before=e.before, before_days=e.before_days,
                     after=e.after, after_days=e.after_days, ratio=e.ratio, p_fell=e.p_fell, p_short=e.p_short,
                     verdict=e.verdict.value)


def _days(span) -> float:
    return span.total_seconds() / 86400


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)
