"""The reconciliation as an activity (complaints/reconcile.py holds what it does)."""
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client

from complaints.reconcile import reconcile


class ReconcileActivities:
    def __init__(self, client: Client, engine: Engine):
        self.client, self.engine = client, engine

    @activity.defn(name="reconcile")
    async def reconcile(self) -> int:
        found = await reconcile(self.client, self.engine)
        for item in found:
            activity.logger.warning("complaint ended outside its lifecycle: %s %s by %s", item.complaint_id,
                                    item.how, item.by)
        return len(found)
