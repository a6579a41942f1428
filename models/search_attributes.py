"""The custom search attributes of the public contract, so supervisors can list with visibility queries."""
from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("ComplaintStage")
LEVEL = SearchAttributeKey.for_keyword("ComplaintLevel")
DEPARTMENT = SearchAttributeKey.for_keyword("Department")
BUSINESS_TYPE = SearchAttributeKey.for_keyword("BusinessType")
CUSTOMER_TIER = SearchAttributeKey.for_keyword("CustomerTier")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")
EMERGENCY = SearchAttributeKey.for_bool("Emergency")
RECEIVED_AT = SearchAttributeKey.for_datetime("ReceivedAt")

ALL = [STAGE, LEVEL, DEPARTMENT, BUSINESS_TYPE, CUSTOMER_TIER, SLA_BREACHED, EMERGENCY, RECEIVED_AT]
