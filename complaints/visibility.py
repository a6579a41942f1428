"""Supervisor list filters as Temporal visibility queries (the same text works in the UI and the CLI)."""
from dataclasses import dataclass
from datetime import datetime


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
