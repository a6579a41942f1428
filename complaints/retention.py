"""Records past their retention: a closed complaint's personal data is erased from the read model and the
outbox once the policy's `records.retention` has passed since it closed, unless a legal hold keeps it. What
the figures need stays (channel, department, labels, level, dates, outcome, satisfaction, clocks), so every
report and return over those months is unchanged; what names or describes the customer goes (the sealed
columns and their search tags, the text and its vector, the messages' bodies and recipients, and what people
typed into the trail: notes, questions, answers, reasons; the images sent on the customer's page).

Erasure is a write of blanks, idempotent and in one transaction per complaint: a sweep that dies half way
leaves every complaint either whole or erased, and the next sweep takes the rest."""
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.customer import CustomerCode, CustomerUpload
from models.tables import AuditEvent, ComplaintRow, LegalHold, Notification, RedressRow, ReferralReport

ERASED = "[erased]"
# The read model's columns that hold or point at personal data (sealed, or a keyed tag of it).
PERSONAL = ("customer_id", "customer_id_tag", "customer_name", "customer_phone", "customer_phone_tag",
            "customer_email", "text", "meaning")


def expired(engine: Engine, now: datetime, retention, limit: int = 200) -> list[str]:
    """Closed complaints past retention, not yet erased and held by no one: the oldest first."""
    with Session(engine) as session:
        held = select(LegalHold.complaint_id)
        return list(session.exec(
            select(ComplaintRow.id).where(
                col(ComplaintRow.closed_at).is_not(None), col(ComplaintRow.closed_at) <= now - retention,
                col(ComplaintRow.erased_at).is_(None), col(ComplaintRow.id).not_in(held))
            .order_by(col(ComplaintRow.closed_at)).limit(limit)).all())


def erase(engine: Engine, complaint_id: str, now: datetime) -> bool:
    """Erase one complaint's personal data, unless a hold appeared meanwhile; whether it did."""
    with Session(engine) as session:
        if session.get(LegalHold, complaint_id) is not None:
            return False
        row = session.get(ComplaintRow, complaint_id)
        if row is None or row.erased_at is not None:
            return False
        for column in PERSONAL:
            setattr(row, column, "")
        row.customer_masked, row.external_ref, row.erased_at = ERASED, ERASED, now
        session.add(row)
        session.execute(update(Notification).where(col(Notification.complaint_id) == complaint_id)
                        .values(recipient=ERASED, body=ERASED, params="{}", last_error=""))
        session.execute(update(AuditEvent).where(col(AuditEvent.complaint_id) == complaint_id,
                                                 col(AuditEvent.detail) != "")
                        .values(detail=ERASED, code_values="{}"))
        # The report back to the regulator holds the complaint's text: its steps (who, when, how) stay.
        session.execute(update(ReferralReport).where(col(ReferralReport.complaint_id) == complaint_id)
                        .values(content=ERASED))
        # The ledger's money and dates are figures of the returns; what the money was for is in words.
        session.execute(update(RedressRow).where(col(RedressRow.complaint_id) == complaint_id)
                        .values(purpose=ERASED))
        session.execute(update(RedressRow).where(col(RedressRow.complaint_id) == complaint_id,
                                                 col(RedressRow.reversed_reason).is_not(None))
                        .values(reversed_reason=ERASED))
        # The images the customer sent on their page, and their page's codes: nothing of them is a figure.
        session.execute(delete(CustomerUpload).where(col(CustomerUpload.complaint_id) == complaint_id))
        session.execute(delete(CustomerCode).where(col(CustomerCode.complaint_id) == complaint_id))
        session.commit()
    return True


def hold(engine: Engine, complaint_id: str, reason: str, by: str, now: datetime) -> LegalHold:
    """Place a legal hold (or keep the one in place): the complaint is never erased while it stands."""
    with Session(engine) as session:
        found = session.get(LegalHold, complaint_id)
        if found is None:
            found = LegalHold(complaint_id=complaint_id, reason=reason, held_by=by, held_at=now)
            session.add(found)
            session.commit()
            session.refresh(found)
        return found


def release(engine: Engine, complaint_id: str) -> bool:
    """Lift the hold; whether there was one. Past retention, the next sweep erases the complaint."""
    with Session(engine) as session:
        found = session.get(LegalHold, complaint_id)
        if found is None:
            return False
        session.delete(found)
        session.commit()
        return True


def held(engine: Engine, complaint_id: str) -> LegalHold | None:
    with Session(engine) as session:
        return session.get(LegalHold, complaint_id)
