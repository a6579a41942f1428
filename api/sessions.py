"""Browser sessions ended before their token expires: signing out records the session's id, and a token that
carries an ended id signs nobody in again (a copied cookie, a back button, a shared machine)."""
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from complaints.db import insert_ignore
from models.access import EndedSession


def end(engine: Engine, sid: str, until: datetime) -> None:
    """Idempotent: signing out twice ends the session once."""
    with Session(engine) as session:
        insert_ignore(session, EndedSession, [{"sid": sid, "until": until}])
        # Rows past their token's expiry guard nothing: swept here rather than by a job of their own.
        session.exec(delete(EndedSession).where(col(EndedSession.until) < datetime.now(UTC)))
        session.commit()


def ended(engine: Engine, sid: str) -> bool:
    with Session(engine) as session:
        return session.get(EndedSession, sid) is not None
