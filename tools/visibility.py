"""Supervisor list filters as Temporal visibility queries (the same text works in the UI and the CLI)."""
import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.client import Client

from api import service
from complaints.durations import human as remaining
from models import search_attributes as keys
from models.intake import complaint_id_of


@dataclass
class ListFilter:
    stage: str | None = None
    level: str | None = None
    department: str | None = None
    business_type: str | None = None
    tier: str | None = None
    breached: bool | None = None
    emergency: bool | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None

    def query(self) -> str:
        def quoted(value: str) -> str:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

        parts = ["WorkflowType = 'ComplaintWorkflow'"]
        for attribute, value in (("ComplaintStage", self.stage), ("ComplaintLevel", self.level),
                                 ("Department", self.department), ("BusinessType", self.business_type),
                                 ("CustomerTier", self.tier)):
            if value:
                parts.append(f"{attribute} = {quoted(value)}")
        for attribute, flag in (("SlaBreached", self.breached), ("Emergency", self.emergency)):
            if flag is not None:
                parts.append(f"{attribute} = {'true' if flag else 'false'}")
        if self.received_from:
            parts.append(f"ReceivedAt >= {quoted(self.received_from.isoformat())}")
        if self.received_to:
            parts.append(f"ReceivedAt < {quoted(self.received_to.isoformat())}")
        return " AND ".join(parts)


async def list_complaints(client: Client, query: str, limit: int) -> list[dict]:
    """A list for supervisors: the search attributes of each match, and for running ones the owner and the
    nearest clock (a query each, at most `limit`)."""
    items = []
    async for wf in client.list_workflows(query, limit=limit):
        sa = wf.typed_search_attributes
        items.append({
            "complaint_id": complaint_id_of(wf.id), "workflow_id": wf.id, "status": wf.status.name if wf.status else "",
            "stage": sa.get(keys.STAGE) or "", "level": sa.get(keys.LEVEL), "department": sa.get(keys.DEPARTMENT) or "",
            "business_type": sa.get(keys.BUSINESS_TYPE), "tier": sa.get(keys.CUSTOMER_TIER) or "",
            "breached": bool(sa.get(keys.SLA_BREACHED)), "emergency": bool(sa.get(keys.EMERGENCY)),
            "received_at": (sa.get(keys.RECEIVED_AT) or wf.start_time).isoformat()})
    # Owner and the nearest clock come from the live workflows (a query each, at most `limit`).
    now = datetime.now(UTC)

    async def enrich(item: dict) -> None:
        if item["status"] != "RUNNING":
            return
        try:
            s = await service.state(client, item["complaint_id"])
        except service.ComplaintError:
            return
        item["owner"] = s.owner_id
        running = [c for c in s.clocks if c.running]
        if running:
            c = min(running, key=lambda c: c.deadline(now))
            item["nearest"] = f"{c.name} {remaining(c.time_left(now))}"

    await asyncio.gather(*(enrich(i) for i in items))
    return items
