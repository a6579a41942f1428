"""One clock's arithmetic, without Temporal: deadlines with pauses, warning time, the next timer."""
from datetime import timedelta

import pytest

from models.sla import Clock, Milestone
from tests.test_rules import NOW


def clock(**changes) -> Clock:
    base = Clock(name="result", label="result", milestone=Milestone.RESPONSE_SENT, pausable=True,
                 started_at=NOW, due_at=NOW + timedelta(hours=10), warn_share=0.8)
    return base.model_copy(update=changes)


@pytest.mark.parametrize("steps, deadline, warn, next_event", [
    ([], 10, 8, 8),                                          # warn at 80%, then the deadline
    ([("pause", 2), ("resume", 5)], 13, 11, 11),             # three paused hours move both
    ([("pause", 2)], 10, 8, None),                           # paused: no timer at all
    ([("warned", 8)], 10, 8, 10),                            # warned: next is the deadline
    ([("pause", 2), ("resume", 1)], 10, 8, 8),               # a resume before the pause adds nothing
])
def test_clock_arithmetic(steps, deadline, warn, next_event):
    c = clock()
    for step, hours in steps:
        at = NOW + timedelta(hours=hours)
        if step == "pause":
            c.pause(at)
        elif step == "resume":
            c.resume(at)
        else:
            c.warned_at = at
    hours = lambda h: NOW + timedelta(hours=h)  # noqa: E731
    assert c.deadline() == hours(deadline) and c.warn_time() == hours(warn)
    assert c.next_event() == (hours(next_event) if next_event is not None else None)


def test_a_running_pause_counts_up_to_now_and_only_pausable_clocks_pause():
    c = clock()
    c.pause(NOW + timedelta(hours=1))
    assert c.deadline(NOW + timedelta(hours=4)) == NOW + timedelta(hours=13)
    assert c.time_left(NOW + timedelta(hours=4)) == timedelta(hours=9)
    fixed = clock(pausable=False)
    fixed.pause(NOW)
    assert not fixed.paused and fixed.next_event() == NOW + timedelta(hours=8)


def test_paused_time_adds_up_over_several_pauses():
    c = clock()
    c.pause(NOW + timedelta(hours=1))
    c.resume(NOW + timedelta(hours=2))
    c.pause(NOW + timedelta(hours=3))
    c.resume(NOW + timedelta(hours=5))
    assert c.paused_for == timedelta(hours=3) and c.deadline() == NOW + timedelta(hours=13)
    c.pause(NOW + timedelta(hours=6))  # a third pause, still running: counts up to `now` on top of the others
    assert c.deadline(NOW + timedelta(hours=7)) == NOW + timedelta(hours=14)


def test_a_clock_that_is_met_breached_or_stopped_needs_no_timer():
    for done in ({"met_at": NOW}, {"breached_at": NOW}, {"stopped_at": NOW}):
        c = clock(**done)
        assert not c.running and c.next_event() is None
