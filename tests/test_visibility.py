"""Supervisor list filters become the visibility query the Temporal UI and CLI accept too."""
from datetime import UTC, datetime

from tools.visibility import ListFilter


def test_every_filter_maps_to_its_search_attribute():
    f = ListFilter(stage="handle", level="I", department="credit-card-centre", business_type="credit_card",
                   tier="vip", breached=True, emergency=False,
                   received_from=datetime(2026, 11, 1, tzinfo=UTC),
                   received_to=datetime(2026, 12, 1, tzinfo=UTC))
    assert f.query() == (
        "WorkflowType = 'ComplaintWorkflow' AND ComplaintStage = 'handle' AND ComplaintLevel = 'I' AND "
        "Department = 'credit-card-centre' AND BusinessType = 'credit_card' AND CustomerTier = 'vip' AND "
        "SlaBreached = true AND Emergency = false AND ReceivedAt >= '2026-11-01T00:00:00+00:00' AND "
        "ReceivedAt < '2026-12-01T00:00:00+00:00'")


def test_no_filter_lists_all_complaints_and_quotes_are_escaped():
    assert ListFilter().query() == "WorkflowType = 'ComplaintWorkflow'"
    assert ListFilter(department="o'brien").query().endswith("Department = 'o\\'brien'")
