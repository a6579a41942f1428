"""Browser sessions ended before their token expires: signing out records the session's id, and a token that
carries an ended id signs nobody in again (a copied cookie, a back button, a shared machine)."""
from datetime import UTC, datetime

from sqlalchemy import Row, bindparam, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from complaints.db import insert_ignore
from models.access import Account, EndedSession


def end(engine: Engine, sid: str, until: datetime) -> None:
    """Idempotent: signing out twice ends the session once."""
    with Session(engine) as session:
        insert_ignore(session, EndedSession, [{"sid": sid, "until": until}])
        # Rows past their token's expiry guard nothing: swept here rather than by a job of their own.
        session.exec(delete(EndedSession).where(col(EndedSession.until) < datetime.now(UTC)))
        session.commit()


_ENDED = select(col(EndedSession.sid)).where(col(EndedSession.sid) == bindparam("sid"))
_FACTS = select(col(Account.id), col(Account.role), col(Account.department), col(Account.disabled),
                col(Account.password_changed_at)).where(col(Account.id) == bindparam("user_id"))


def standing(engine: Engine, sid: str | None, user_id: str | None) -> tuple[bool, Row | None]:
    """What every request of a person needs, read afresh each time: whether the token's session was signed
    out, and (for a local account's token) the account's role, department, disabled flag and when its password
    was set, or None. One connection and two statements built once: a pooled connection taken and given back,
    and an ORM lookup, cost more than the reads themselves (bench/README.md, the front door)."""
    with engine.connect() as conn:
        if sid is not None and conn.execute(_ENDED, {"sid": sid}).first() is not None:
            return True, None
        return False, conn.execute(_FACTS, {"user_id": user_id}).first() if user_id is not None else None
