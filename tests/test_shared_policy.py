"""A worker's complaints pinned with the same policy hold one object (models.policy.shared): frozen, so no
complaint can change what the others hold."""
import pydantic
import pytest

from models.policy import _SHARED, _SHARED_MAX, Policy, shared


def test_equal_policies_are_one_object_and_different_ones_are_not():
    a, b = Policy.model_validate({"name": "shared-a"}), Policy.model_validate({"name": "shared-a"})
    assert a is not b and shared(a) is shared(b)
    other = Policy.model_validate({"name": "shared-b"})
    assert shared(other) is not shared(a) and shared(other) == other


def test_a_pinned_policy_cannot_be_changed_in_place():
    policy = shared(Policy.model_validate({"name": "shared-c"}))
    with pytest.raises(pydantic.ValidationError):
        policy.warn_at = 0.5
    with pytest.raises(pydantic.ValidationError):
        policy.regulatory.decision = "1d"


def test_past_the_bound_a_policy_is_kept_as_given():
    for i in range(_SHARED_MAX + 2):
        shared(Policy.model_validate({"name": f"shared-bound-{i}"}))
    assert len(_SHARED) <= _SHARED_MAX
    late = Policy.model_validate({"name": "shared-late"})
    assert shared(late) is late
