"""Read-model queries the CLI and reports share (never the Temporal server)."""
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from complaints.fields import FieldCipher, opened
from models.tables import ComplaintRow, WorkOrderRow


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
    with Session(engine) as session:
        query = select(WorkOrderRow).where(WorkOrderRow.department == department, WorkOrderRow.status == "open")
        if complaint_id:
            query = query.where(WorkOrderRow.complaint_id == complaint_id)
        return list(session.exec(query.order_by(WorkOrderRow.due_at)).all())
