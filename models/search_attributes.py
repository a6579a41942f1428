"""The custom search attributes of the public contract, so supervisors can list with visibility queries."""
from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from models.enums import Level, Stage, Tier
from models.intake import Intake
from models.state import ComplaintState

STAGE = SearchAttributeKey.for_keyword("ComplaintStage")
LEVEL = SearchAttributeKey.for_keyword("ComplaintLevel")
DEPARTMENT = SearchAttributeKey.for_keyword("Department")
BUSINESS_TYPE = SearchAttributeKey.for_keyword("BusinessType")
CUSTOMER_TIER = SearchAttributeKey.for_keyword("CustomerTier")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")
EMERGENCY = SearchAttributeKey.for_bool("Emergency")
RECEIVED_AT = SearchAttributeKey.for_datetime("ReceivedAt")

ALL: list[SearchAttributeKey[Any]] = [STAGE, LEVEL, DEPARTMENT, BUSINESS_TYPE, CUSTOMER_TIER, SLA_BREACHED, EMERGENCY, RECEIVED_AT]


def _attributes(stage: Stage, department: str, tier: Tier, breached: bool, emergency: bool, received_at: datetime,
                level: Level | None = None, business_type: str | None = None) -> TypedSearchAttributes:
    """The one builder of a complaint's searchable view: the client at start and the workflow after."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(STAGE, stage.value),
        SearchAttributePair(DEPARTMENT, department),
        SearchAttributePair(CUSTOMER_TIER, tier.value),
        SearchAttributePair(SLA_BREACHED, breached),
        SearchAttributePair(EMERGENCY, emergency),
        SearchAttributePair(RECEIVED_AT, received_at),
    ]
    if level is not None:
        pairs.append(SearchAttributePair(LEVEL, level.value))
    if business_type is not None:
        pairs.append(SearchAttributePair(BUSINESS_TYPE, business_type))
    return TypedSearchAttributes(pairs)


def at_intake(intake: Intake) -> TypedSearchAttributes:
    """Before analysis: in `receive`, with the receiving department, nothing breached yet."""
    return _attributes(Stage.RECEIVE, intake.received_by.department, intake.customer.tier, False, False,
                       intake.received_at)


def of_state(s: ComplaintState) -> TypedSearchAttributes:
    return _attributes(s.stage, s.department, s.tier, s.breached, s.emergency, s.received_at, s.level,
                       s.classification.business_type if s.classification else None)


def comparable(attributes: TypedSearchAttributes) -> dict[str, Any]:
    """What a set of attributes says, to tell whether pushing it again would change anything."""
    return {pair.key.name: pair.value for pair in attributes}
