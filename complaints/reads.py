"""Read-model queries the CLI and reports share (never the Temporal server)."""
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.tables import WorkOrderRow


def work_orders_owed(engine: Engine, department: str, complaint_id: str | None = None) -> list[WorkOrderRow]:
    """The open work orders a department must answer, the most urgent first."""
    with Session(engine) as session:
        query = select(WorkOrderRow).where(WorkOrderRow.department == department, WorkOrderRow.status == "open")
        if complaint_id:
            query = query.where(WorkOrderRow.complaint_id == complaint_id)
        return list(session.exec(query.order_by(WorkOrderRow.due_at)).all())
