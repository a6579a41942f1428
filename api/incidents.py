"""Major incidents through the door: a person's message to an incident as a sealed update (exactly once by
its id, like a complaint's), its state by query, the list from the read model."""
import uuid

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError

from api.service import ComplaintError, explain_failure, sealed
from models.incidents import INCIDENT_MESSAGES, IncidentState
from models.messages import Message
from models.tables import IncidentLink, IncidentRow


def _explain(e: Exception, incident_id: str) -> ComplaintError:
    return explain_failure(e, incident_id, "incident", "is over")


async def update(client: Client, incident_id: str, name: str, msg: Message, message_id: str | None = None
                 ) -> IncidentState:
    if name not in INCIDENT_MESSAGES or not isinstance(msg, INCIDENT_MESSAGES[name]):
        raise ComplaintError(f"unknown incident message {name!r}; known: {', '.join(INCIDENT_MESSAGES)}")
    message_id = message_id or uuid.uuid4().hex
    arg, sent = sealed(client, incident_id, name, msg, message_id)
    try:
        got = await client.get_workflow_handle(incident_id).execute_update(
            name, arg, id=message_id, result_type=IncidentState)
    except (RPCError, WorkflowUpdateFailedError) as e:
        raise _explain(e, incident_id) from None
    # The same key with another body: Temporal (or the incident, across runs) answers with the first message's
    # outcome, and the first message's digest says it was not this one.
    first = got.answer_to(message_id)
    if first is not None and first.digest != sent:
        raise ComplaintError(f"this idempotency key was used for another {first.action} on {incident_id}, with "
                             "another body: nothing applied (use a new key for a new request)", "idempotency")
    return got


async def state(client: Client, incident_id: str) -> IncidentState:
    try:
        return await client.get_workflow_handle(incident_id).query("state", result_type=IncidentState)
    except (RPCError, WorkflowQueryFailedError) as e:
        raise _explain(e, incident_id) from None


def listed(engine: Engine, open_only: bool = False, limit: int = 100) -> list[IncidentRow]:
    with Session(engine) as session:
        query = select(IncidentRow).order_by(col(IncidentRow.opened_at).desc()).limit(limit)
        if open_only:
            query = query.where(col(IncidentRow.status).in_(["candidate", "confirmed"]))
        return list(session.exec(query).all())


def incident_of(engine: Engine, complaint_id: str) -> str | None:
    """The incident a complaint is linked to, if any (its page shows it)."""
    with Session(engine) as session:
        link = session.get(IncidentLink, complaint_id)
    return link.incident_id if link else None
