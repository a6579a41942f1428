"""The SLA policy file: the spec's defaults, and clear errors for every mistake."""
import pytest

from models.enums import Level
from sla.plan import clocks_for
from sla.policy_file import PolicyError, load_policy

SPEC_EXAMPLE = '''
region = "CN"
timezone = "Asia/Shanghai"
warn_at = 0.8
verify_window = "3wd"
[level.I]
first_response = "1h"
plan = "24h"
[level.II]
plan = "3wd"
[level.III]
first_response = "1wd"
result = "7wd"
[emergency]
first_response = "1h"
first_disposal = "4h"
[work_order]
reply = "24h"
[dissatisfied]
resolve = "24h"
[regulatory]
decision = "15d"
extended = "30d"
'''


def write(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_spec_example_equals_the_built_in_default(tmp_path):
    from_file = load_policy(write(tmp_path, SPEC_EXAMPLE))
    default = load_policy(None)
    assert from_file.model_dump(exclude={"name"}) == default.model_dump(exclude={"name"})
    assert from_file.name == "policy"


@pytest.mark.parametrize("change, message", [
    (('plan = "3wd"', 'plan = "3xd"'), "bad duration '3xd'"),
    (("warn_at = 0.8", "warn_at = 1.5"), "warn_at must be a share strictly between 0 and 1"),
    (("warn_at = 0.8", "warn_at = 0"), "warn_at"),
    (("[level.III]", "[level.IV]"), "level"),
    (('result = "7wd"', 'resolution = "7wd"'), "unknown time limit 'resolution'"),
    (('region = "CN"', 'region = "XX"'), "no holiday calendar for region 'XX'"),
    (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "unknown time zone"),
    (('reply = "24h"', 'reply = "-1h"'), "bad duration"),
    (("[regulatory]", "[regulatory]\nceiling = 3"), "ceiling"),
    (("warn_at = 0.8", "warn_at = = 0.8"), "not valid TOML"),
])
def test_policy_mistakes_are_explained(tmp_path, change, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(write(tmp_path, SPEC_EXAMPLE.replace(*change)))


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.toml")


def test_clock_plan_per_case():
    p = load_policy(None)
    assert clocks_for(p, Level.I, False) == {"first_response": "1h", "plan": "24h", "decision": "15d"}
    assert clocks_for(p, Level.II, False) == {"plan": "3wd", "decision": "15d"}
    assert clocks_for(p, Level.III, False) == {"first_response": "1wd", "result": "7wd", "decision": "15d"}
    assert clocks_for(p, Level.III, True) == {"first_response": "1h", "result": "7wd", "first_disposal": "4h",
                                              "decision": "15d"}
