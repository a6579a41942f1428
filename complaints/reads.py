"""Every read of the read model, in one place: the API, the workbench, the CLI and the reports ask here and
hold no SQL of their own (never the Temporal server: the live state is the workflow's query). Who may see
what is decided before a call (workflows/permissions.py) and passed in as a scope."""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from complaints.fields import FieldCipher, opened
from complaints.reconcile import ENDED
from models.lookback import RevisitOutcomeKind, RevisitState
from models.tables import AuditEvent, ComplaintRow, LookBackRevisit, Notification, SlaEventRow, WorkOrderRow

TEXT_SEARCH_SCOPE = 5000  # open complaints whose sealed text a search opens, the most urgent first
Scope = tuple[str, str] | None  # None: every complaint; else (person id, department) whose they may see


def _on_desk(scope: tuple[str, str]):
    me, dept = scope
    t = ComplaintRow
    # A desk's complaints not yet accepted are owned by the desk itself (models/departments.toml `desk`).
    return or_(col(t.owner_id).in_((me, dept)), col(t.department) == dept, col(t.first_responder_id) == me)


def customer_in_clear(engine: Engine, cipher: FieldCipher, complaint_id: str) -> dict[str, str] | None:
    """A complaint's customer as the bank knows them (for a supervisor, and audited by the caller)."""
    with Session(engine) as session:
        row = session.get(ComplaintRow, complaint_id)
    if row is None:
        return None
    return {"complaint_id": row.id, "customer_id": opened(cipher, row, "customer_id"),
            "name": opened(cipher, row, "customer_name"), "phone": opened(cipher, row, "customer_phone")}


def work_orders_owed(engine: Engine, department: str, complaint_id: str | None = None) -> list[WorkOrderRow]:
    """The open work orders a department must answer, the most urgent first."""
    w = WorkOrderRow
    with Session(engine) as session:
        query = select(w).where(col(w.department) == department, col(w.status) == "open")
        if complaint_id:
            query = query.where(col(w.complaint_id) == complaint_id)
        return list(session.exec(query.order_by(col(w.due_at))).all())


def audit_trail(engine: Engine, complaint_id: str, newest: int | None = None) -> list[AuditEvent]:
    """A complaint's audit trail in order; with `newest`, only that many of the latest, newest first."""
    a = AuditEvent
    query = select(a).where(col(a.complaint_id) == complaint_id)
    query = query.order_by(col(a.seq)) if newest is None else query.order_by(col(a.seq).desc()).limit(newest)
    with Session(engine) as session:
        return list(session.exec(query).all())


def sent_to_customer(engine: Engine, complaint_id: str) -> list[Notification]:
    """Every message to the complaint's customer, oldest first (detached: safe to change for display)."""
    n = Notification
    with Session(engine) as session:
        rows = list(session.exec(select(n).where(col(n.complaint_id) == complaint_id,
                                                 col(n.recipient_kind) == "customer")
                                 .order_by(col(n.created_at))).all())
        for row in rows:
            session.expunge(row)
    return rows


def complaint_version(engine: Engine, complaint_id: str) -> int | None:
    """The history position the read model has written for a complaint (one indexed column): what an idle
    page's poll compares with before it asks Temporal anything."""
    with Session(engine) as session:
        return session.exec(select(ComplaintRow.version).where(ComplaintRow.id == complaint_id)).first()


def complaint_row(engine: Engine, complaint_id: str) -> ComplaintRow | None:
    with Session(engine) as session:
        return session.get(ComplaintRow, complaint_id)


def review_for(engine: Engine, complaint_id: str) -> ComplaintRow | None:
    """The review (核查) the customer asked for of this complaint's decision, if any."""
    with Session(engine) as session:
        return session.exec(select(ComplaintRow).where(ComplaintRow.review_of == complaint_id)).first()


@dataclass
class ComplaintFilter:
    stage: str | None = None
    level: str | None = None
    department: str | None = None
    business_type: str | None = None
    problem_nature: str | None = None
    breached: bool | None = None
    emergency: bool | None = None
    outcome: str | None = None
    owner: str | None = None
    customer_id_tag: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    reference: str | None = None  # the complaint id or the channel's external reference
    tier: str | None = None


def _filtered(f: ComplaintFilter):
    t = ComplaintRow
    query = select(t)
    for column, value in ((t.stage, f.stage), (t.level, f.level), (t.department, f.department),
                          (t.business_type, f.business_type), (t.problem_nature, f.problem_nature),
                          (t.breached, f.breached), (t.emergency, f.emergency), (t.outcome, f.outcome),
                          (t.owner_id, f.owner), (t.customer_id_tag, f.customer_id_tag), (t.tier, f.tier)):
        if value is not None and value != "":  # an empty field of a form filters nothing
            query = query.where(col(column) == value)
    if f.received_from is not None:
        query = query.where(col(t.received_at) >= f.received_from)
    if f.received_to is not None:
        query = query.where(col(t.received_at) < f.received_to)
    if f.reference:
        query = query.where(or_(col(t.id) == f.reference, col(t.external_ref) == f.reference))
    return query


def complaints(engine: Engine, f: ComplaintFilter, scope: Scope, limit: int, offset: int = 0) -> list[ComplaintRow]:
    """The API's list: filtered, within the person's scope, newest first."""
    t = ComplaintRow
    query = _filtered(f)
    if scope is not None:
        query = query.where(_on_desk(scope))
    with Session(engine) as session:
        return list(session.exec(query.order_by(col(t.received_at).desc()).offset(offset).limit(limit)).all())


def desk_queue(engine: Engine, cipher: FieldCipher, scope: Scope, reviewing: bool, q: str | None,
               limit: int = 200) -> list[ComplaintRow]:
    """Open complaints on a person's desk (a reviewer's: those awaiting review), the nearest deadline first
    (none last); `q` finds a reference, a customer id or phone (exactly), or words of the text."""
    t = ComplaintRow
    query = select(t).where(col(t.stage) != "closed")
    if reviewing:
        query = query.where(col(t.awaiting) == "review")
    elif scope is not None:
        query = query.where(_on_desk(scope))
    order = (col(t.next_deadline).is_(None), col(t.next_deadline), col(t.received_at))
    if not q:
        with Session(engine) as session:
            return list(session.exec(query.order_by(*order).limit(limit)).all())
    q = q.strip()[:100]
    tag = cipher.tag(q)
    with Session(engine) as session:
        exact = list(session.exec(query.where(or_(col(t.id) == q, col(t.external_ref) == q,
                                                  col(t.customer_id_tag) == tag, col(t.customer_phone_tag) == tag))
                                  .order_by(*order).limit(limit)).all())
        if exact:
            return exact
        # The text is sealed: it is searched in clear here, over this desk's open complaints only.
        desk = session.exec(query.order_by(*order).limit(TEXT_SEARCH_SCOPE)).all()
    needle = q.casefold()
    return [r for r in desk if needle in opened(cipher, r, "text").casefold()][:limit]


def staff_messages(engine: Engine, person: str, department: str, every_supervisor: bool) -> list[Notification]:
    """The outbox's messages to a person, their department or (a supervisor) any department's supervisor."""
    n = Notification
    mine = [col(n.recipient) == person, (col(n.recipient_kind) == "department") & (col(n.recipient) == department)]
    if every_supervisor:
        mine.append(col(n.recipient).startswith("supervisor:"))
    with Session(engine) as session:
        return list(session.exec(select(n).where(col(n.recipient_kind) != "customer", or_(*mine))
                                 .order_by(col(n.created_at).desc()).limit(100)).all())


@dataclass
class Oversight:
    rows: list[ComplaintRow]          # the filtered list, the most urgent 200
    counts: dict                      # open complaints by stage, "breached", and "ended" (rows)
    waiting: list[ComplaintRow]       # awaiting review or a supervisor's close
    breached: list[ComplaintRow] = field(default_factory=list)   # open ones past a deadline
    came_back: list[ComplaintRow] = field(default_factory=list)  # open ones the customer sent back


def oversight(engine: Engine, f: ComplaintFilter) -> Oversight:
    """The supervisor's lists: open complaints unless a stage or a period is asked for (a report's cell counts
    closed ones too), counts, approvals waiting, and complaints whose workflow ended outside its lifecycle."""
    t = ComplaintRow
    query = _filtered(f)
    if not f.stage and f.received_from is None:
        query = query.where(col(t.stage) != "closed")
    with Session(engine) as session:
        rows = list(session.exec(query.order_by(col(t.next_deadline).is_(None), col(t.next_deadline))
                                 .limit(200)).all())
        counts: dict = dict(session.exec(select(t.stage, func.count()).where(col(t.stage) != "closed")
                                          .group_by(col(t.stage))).all())
        counts["breached"] = session.exec(select(func.count()).where(col(t.stage) != "closed",
                                                                     col(t.breached))).one()
        waiting = list(session.exec(select(t).where(col(t.awaiting).is_not(None))
                                    .order_by(col(t.next_deadline)).limit(50)).all())
        counts["ended"] = list(session.exec(select(t).where(col(t.outcome).in_(list(ENDED.values())))
                                            .order_by(col(t.closed_at).desc()).limit(20)).all())
        still_open = (col(t.stage) != "closed")
        breached = list(session.exec(select(t).where(still_open, col(t.breached))
                                     .order_by(col(t.next_deadline)).limit(50)).all())
        came_back = list(session.exec(select(t).where(still_open, col(t.came_back))
                                      .order_by(col(t.next_deadline)).limit(50)).all())
    return Oversight(rows, counts, waiting, breached, came_back)


def outbox(engine: Engine, limit: int = 50, only: str | None = None) -> list[Notification]:
    """The outbox, newest first; `only` "pending" (not yet sent nor failed) or "failed"."""
    n = Notification
    query = select(n).order_by(col(n.created_at).desc())
    if only == "pending":
        query = query.where(col(n.sent_at).is_(None), col(n.failed_at).is_(None))
    elif only == "failed":
        query = query.where(col(n.failed_at).is_not(None))
    with Session(engine) as session:
        return list(session.exec(query.limit(limit)).all())


# The reports' facts (reports/ turns them into the heat map, the dashboard and the export).

def latest_received(engine: Engine) -> datetime | None:
    """When the newest complaint came in (reports open on the latest period that has any)."""
    with Session(engine) as session:
        newest = session.exec(select(func.max(ComplaintRow.received_at))).one()
    return newest.replace(tzinfo=UTC) if newest is not None and newest.tzinfo is None else newest


def heatmap_counts(engine: Engine, start: datetime, end: datetime) -> list[tuple[str, str, str, int]]:
    """Complaints received in [start, end) by (tier, business type, problem nature), classified ones only."""
    t = ComplaintRow
    with Session(engine) as session:
        rows = session.exec(
            select(t.tier, col(t.business_type), col(t.problem_nature), func.count())
            .where(col(t.received_at) >= start, col(t.received_at) < end, col(t.business_type).is_not(None))
            .group_by(col(t.tier), col(t.business_type), col(t.problem_nature))).all()
    return [(tier, b or "", n or "", c) for tier, b, n, c in rows]


@dataclass
class MonthFacts:
    closed: list[Row[Any]]            # level, outcome, csat, breached, received_at, closed_at of each closed one
    by_department: dict[str, int]      # received, by department
    by_channel: dict[str, int]         # received, by channel
    reopens: int                       # received that reopened an earlier complaint
    breaches: int                      # clock breaches recorded
    revisits: list[tuple[str, str]]    # (department, outcome) of each look-back revisit decided


def month_facts(engine: Engine, start: datetime, end: datetime) -> MonthFacts:
    t = ComplaintRow
    closed_in = (col(t.closed_at) >= start, col(t.closed_at) < end)
    received_in = (col(t.received_at) >= start, col(t.received_at) < end)
    with Session(engine) as session:
        closed = list(session.execute(sa_select(col(t.level), col(t.outcome), col(t.csat), col(t.breached),
                                                col(t.received_at), col(t.closed_at)).where(*closed_in)).all())
        by_department = dict(session.exec(select(t.department, func.count()).where(*received_in)
                                          .group_by(col(t.department))).all())
        by_channel = dict(session.exec(select(t.channel, func.count()).where(*received_in)
                                       .group_by(col(t.channel))).all())
        reopens = session.exec(select(func.count()).select_from(t)
                               .where(*received_in, col(t.reopened_from).is_not(None))).one()
        e = SlaEventRow
        breaches = session.exec(select(func.count()).select_from(e).where(
            col(e.kind) == "breached", col(e.at) >= start, col(e.at) < end)).one()
        r = LookBackRevisit
        revisits = [(d, o or "") for d, o in session.exec(select(r.department, r.outcome).where(
            col(r.decided_at) >= start, col(r.decided_at) < end)).all()]
    return MonthFacts(closed, by_department, by_channel, reopens, breaches, revisits)


EXPORTED = ("id", "external_ref", "channel", "customer_id", "customer_name", "customer_masked", "customer_phone",
            "tier", "business_type", "problem_nature", "level", "emergency", "department", "received_at",
            "closed_at", "breached", "outcome", "csat", "reopened_from", "surface_fix")


def export_rows(engine: Engine, start: datetime, end: datetime) -> Iterator[Row[Any]]:
    """Complaints received in [start, end), oldest first, as plain rows of the `EXPORTED` columns (a month of
    100,000 streams in about half the time ORM objects take)."""
    t = ComplaintRow
    query = (sa_select(*(col(getattr(t, name)) for name in EXPORTED))
             .where(col(t.received_at) >= start, col(t.received_at) < end).order_by(col(t.received_at), col(t.id)))
    with Session(engine) as session:
        yield from session.execute(query).yield_per(5000)


def month_revisits(engine: Engine, month: str) -> list[RevisitState]:
    """A month's revisits as their rows say (each revisit writes its own as it goes)."""
    with Session(engine) as session:
        rows = session.exec(select(LookBackRevisit).where(col(LookBackRevisit.month) == month)
                            .order_by(col(LookBackRevisit.complaint_id))).all()
    return [RevisitState(month=r.month, complaint_id=r.complaint_id, department=r.department, due=_aware(r.due_at),
                         escalated=r.escalated, outcome=RevisitOutcomeKind(r.outcome) if r.outcome else None,
                         actor_id=r.actor_id, note=r.note,
                         decided_at=_aware(r.decided_at) if r.decided_at else None, reopened_as=r.reopened_as)
            for r in rows]


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def images_of(engine: Engine, complaint_id: str) -> list[tuple[str, str, int, datetime]]:
    """The images the customer sent on their page: (id, media type, size, when), never their content."""
    from models.customer import CustomerUpload as u

    with Session(engine) as session:
        return [tuple(r) for r in session.exec(select(u.id, u.media_type, u.size, u.received_at)  # type: ignore[misc]
                                               .where(col(u.complaint_id) == complaint_id)
                                               .order_by(col(u.received_at), col(u.place))).all()]
