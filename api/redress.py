"""The redress ledger: money the decisions gave (written by the complaint's workflow when a decision goes out),
marked paid or reversed by the people who pay it, and read by month. Each step is one conditional UPDATE, so
two people marking the same line at once leave one mark, and a retry of the same mark changes nothing."""
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from api.problems import Refused
from complaints.ledger import Totals, lines_between, totals
from models.reasons import why
from models.tables import RedressRow
from sla.periods import month_bounds

APPROVED, PAID, REVERSED = "approved", "paid", "reversed"


class Ledger(BaseModel):
    month: str
    lines: list[dict]
    totals: dict[str, Totals]


def get(engine: Engine, redress_id: str) -> RedressRow:
    with Session(engine) as session:
        row = session.get(RedressRow, redress_id)
    if row is None:
        raise Refused(404, why("no_redress", id=redress_id))
    return row


def mark_paid(engine: Engine, redress_id: str, reference: str, actor: str, now: datetime) -> RedressRow:
    """Paid, with the payment's reference; never by who decided it. The same reference again is the same mark."""
    row = get(engine, redress_id)
    if row.decided_by == actor:
        raise Refused(403, why("own_redress", actor=actor))
    if row.status == PAID and row.paid_ref == reference:
        return row
    with Session(engine) as session:
        done = session.execute(update(RedressRow).where(col(RedressRow.id) == redress_id,
                                                        col(RedressRow.status) == APPROVED)
                               .values(status=PAID, paid_at=now, paid_by=actor, paid_ref=reference))
        session.commit()
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise Refused(409, why("redress_status", id=redress_id, status=get(engine, redress_id).status))
    return get(engine, redress_id)


def mark_reversed(engine: Engine, redress_id: str, reason: str, actor: str, now: datetime) -> RedressRow:
    """Reversed (a payment returned, a decision revised), approved or paid; once."""
    row = get(engine, redress_id)
    if row.status == REVERSED and row.reversed_reason == reason:
        return row
    with Session(engine) as session:
        done = session.execute(update(RedressRow).where(col(RedressRow.id) == redress_id,
                                                        col(RedressRow.status) != REVERSED)
                               .values(status=REVERSED, reversed_at=now, reversed_by=actor, reversed_reason=reason))
        session.commit()
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise Refused(409, why("redress_status", id=redress_id, status=REVERSED))
    return get(engine, redress_id)


def ledger(engine: Engine, month: str, tz: str) -> Ledger:
    start, end = month_bounds(month, tz)
    lines = lines_between(engine, start, end)
    return Ledger(month=month, lines=[r.model_dump(mode="json") for r in lines], totals=totals(lines, start, end))
