"""Major incidents through the door: a person's message to an incident as a sealed update (exactly once by
its id, like a complaint's), its state by query, the list from the read model."""
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from api import sealed_updates
from models.incidents import INCIDENT_MESSAGES, IncidentState
from models.messages import Message
from models.tables import IncidentLink, IncidentRow


async def update(client: Client, incident_id: str, name: str, msg: Message, message_id: str | None = None
                 ) -> IncidentState:
    return await sealed_updates.update(client, "incident", incident_id, name, msg, INCIDENT_MESSAGES, IncidentState, message_id)


async def state(client: Client, incident_id: str) -> IncidentState:
    return await sealed_updates.state(client, "incident", incident_id, IncidentState)


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
