"""Policies for tests: `CALM` never fires during a test; `FAST` runs every clock in seconds."""
from models.policy import Policy

CALM = Policy.model_validate({"name": "calm", "verify_window": "1h", "level": {
    "I": {"first_response": "1h", "plan": "2h"}, "II": {"plan": "2h"},
    "III": {"first_response": "1h", "result": "2h"}}, "regulatory": {"decision": "15d", "extended": "30d"},
    "lookback": {"poll": "1s"}})

FAST = Policy.model_validate({
    "name": "fast", "warn_at": 0.5, "verify_window": "4s",
    "level": {"I": {"first_response": "4s", "plan": "20s"}, "II": {"plan": "6s"},
              "III": {"first_response": "4s", "result": "8s"}},
    "emergency": {"first_response": "4s", "first_disposal": "6s"},
    "work_order": {"reply": "4s"}, "dissatisfied": {"resolve": "4s"},
    "regulatory": {"decision": "10s", "extended": "40s", "further": "70s"},
    "lookback": {"revisit": "3s", "poll": "1s"},
    "incidents": {"every": "2s"},
})
