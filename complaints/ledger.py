"""The redress ledger's reads, shared by the API's monthly ledger and the quarterly return: the lines with a
step in a period, and per currency what was decided, paid and reversed in it (each step by its own date)."""
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.tables import RedressRow


class Totals(BaseModel):
    """A currency's sums in a month: given by decisions, paid, reversed (each by the date of its step)."""
    decided: Decimal = Decimal("0")
    decided_count: int = 0
    paid: Decimal = Decimal("0")
    paid_count: int = 0
    reversed: Decimal = Decimal("0")
    reversed_count: int = 0


def lines_between(engine: Engine, start: datetime, end: datetime) -> list[RedressRow]:
    """Every line with a step (decided, paid, reversed) in [start, end)."""
    def within(column):
        return (col(column) >= start) & (col(column) < end)

    with Session(engine) as session:
        return list(session.exec(select(RedressRow).where(or_(
            within(RedressRow.decided_at), within(RedressRow.paid_at), within(RedressRow.reversed_at)))
            .order_by(col(RedressRow.decided_at), col(RedressRow.id))).all())


def totals(lines: list[RedressRow], start: datetime, end: datetime) -> dict[str, Totals]:
    """Per currency, what was decided, paid and reversed in [start, end), each step by its own date."""
    out: dict[str, Totals] = defaultdict(Totals)
    for r in lines:
        t = out[r.currency]
        for step, at in (("decided", r.decided_at), ("paid", r.paid_at), ("reversed", r.reversed_at)):
            if at is not None and start <= _aware(at) < end:
                setattr(t, step, getattr(t, step) + r.amount)
                setattr(t, f"{step}_count", getattr(t, f"{step}_count") + 1)
    return dict(sorted(out.items()))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
