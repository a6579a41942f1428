"""Two incidents writing the same complaint's link at once: the one a complaint leaves deletes its row while the
one it joins takes it. Whatever the order, the complaint ends linked to the one it joined.

The database is real (SQLite by default, PostgreSQL under TEST_DATABASE_URL, where the race was seen: an insert
that found the old row, then an update that found it deleted, left the complaint linked to nothing)."""
import threading
import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, event
from sqlmodel import Session, col, select

from complaints.db import insert_ignore, insert_or_take
from models.tables import IncidentLink


def _link(cid: str, iid: str) -> dict:
    return dict(complaint_id=cid, incident_id=iid, linked_at=datetime.now(UTC), linked_by="detector")


def _owner(engine, cid: str) -> str | None:
    with Session(engine) as s:
        return s.exec(select(IncidentLink.incident_id).where(col(IncidentLink.complaint_id) == cid)).first()


def test_a_row_deleted_while_it_is_taken_ends_taken(engine):
    cid, left, joined = f"RC{uuid.uuid4().hex[:10]}", f"I-{uuid.uuid4().hex[:8]}", f"I-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        insert_ignore(s, IncidentLink, [_link(cid, left)])
        s.commit()

    leaving = Session(engine)
    leaving.exec(delete(IncidentLink).where(col(IncidentLink.incident_id) == left))  # holds the row, uncommitted
    done = threading.Event()

    def take():
        with Session(engine) as s:
            insert_or_take(s, IncidentLink, [_link(cid, joined)], key="complaint_id", taken=("incident_id",))
            s.commit()
        done.set()

    taker = threading.Thread(target=take)
    taker.start()
    assert not done.wait(1.0), "the taker must wait for the deleting transaction"
    leaving.commit()
    leaving.close()
    taker.join(30)
    assert done.is_set()
    assert _owner(engine, cid) == joined


def test_a_row_taken_first_is_not_deleted_by_the_incident_it_left(engine):
    cid, left, joined = f"RC{uuid.uuid4().hex[:10]}", f"I-{uuid.uuid4().hex[:8]}", f"I-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        insert_ignore(s, IncidentLink, [_link(cid, left)])
        s.commit()
    with Session(engine) as s:
        first = s.exec(select(IncidentLink.linked_at).where(col(IncidentLink.complaint_id) == cid)).one()
        insert_or_take(s, IncidentLink, [_link(cid, joined)], key="complaint_id", taken=("incident_id",))
        s.commit()
    with Session(engine) as s:
        s.exec(delete(IncidentLink).where(col(IncidentLink.incident_id) == left))
        s.commit()
    assert _owner(engine, cid) == joined
    with Session(engine) as s:  # only the owner changes: when it was first linked stays
        assert s.exec(select(IncidentLink.linked_at).where(col(IncidentLink.complaint_id) == cid)).one() == first


def test_a_delete_arriving_while_the_row_is_being_taken_cannot_unlink_it(engine):
    """The leaving incident's delete is let in right after the taker's first statement, as a busy database
    would: a take made of two statements (insert if missing, then update) lost the row here; one statement
    holds it, and the delete, once it may look, finds the row no longer its own."""
    cid, left, joined = f"RC{uuid.uuid4().hex[:10]}", f"I-{uuid.uuid4().hex[:8]}", f"I-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        insert_ignore(s, IncidentLink, [_link(cid, left)])
        s.commit()

    def leave():
        with Session(engine) as s:
            s.exec(delete(IncidentLink).where(col(IncidentLink.incident_id) == left))
            s.commit()

    leaver = threading.Thread(target=leave)
    with Session(engine) as s:
        conn = s.connection()

        @event.listens_for(conn, "after_cursor_execute")
        def let_the_delete_in(*_):
            if not leaver.is_alive() and leaver.ident is None:
                leaver.start()
                leaver.join(2.0)  # done at once if nothing holds the row; else it waits for our commit

        insert_or_take(s, IncidentLink, [_link(cid, joined)], key="complaint_id", taken=("incident_id",))
        s.commit()
    leaver.join(30)
    assert not leaver.is_alive()
    assert _owner(engine, cid) == joined
