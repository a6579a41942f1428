"""The retention sweep as an activity (complaints/retention.py holds what it does)."""
from datetime import UTC, datetime

import structlog
from sqlalchemy.engine import Engine
from temporalio import activity

from complaints.retention import erase, expired
from models.policy import Policy, approx_span

log = structlog.get_logger()


class RetentionActivities:
    def __init__(self, engine: Engine, policy: Policy):
        self.engine, self.policy = engine, policy

    @activity.defn(name="erase_expired")
    def erase_expired(self, limit: int) -> int:
        """Erase up to `limit` complaints past retention; how many were erased (0: none is left)."""
        now = datetime.now(UTC)
        erased = 0
        for cid in expired(self.engine, now, approx_span(self.policy.records.retention), limit):
            if erase(self.engine, cid, now):
                erased += 1
                log.info("personal data erased past retention", complaint_id=cid)
            activity.heartbeat(erased)
        return erased
