"""The incident detector's rules as fast tables (incidents/detect.py): the Poisson tail, the threshold with its
floor and minimum, the baseline's windows, grouping by meaning, both surge rules, and linking. Vectors here
are made by hand on a few axes, so each row says exactly how alike two complaints are."""
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bench import incident_traffic as traffic
from incidents import detect
from incidents.detect import Open, Rules, Seen, candidates, groups, matches

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
RULES = Rules()


def unit(*xs: float) -> np.ndarray:
    v = np.zeros(8, np.float32)
    v[:len(xs)] = xs
    return v / np.linalg.norm(v)


OUTAGE, OTHER_STORY = unit(1, 0.15), unit(0, 1)


def seen(n: int, vector: np.ndarray, label=("digital_banking", "system_failure"), start=0, minutes=1.0):
    return [Seen(f"S{start + i}", NOW - timedelta(minutes=minutes * (i + 1)), *label, vector) for i in range(n)]


@pytest.mark.parametrize("count, mean, p", [
    (0, 3.0, 1.0), (1, 0.0, 0.0), (1, 1.0, 1 - np.exp(-1)), (3, 1.0, 1 - np.exp(-1) * 2.5),
    (8, 0.25, 1 - sum(np.exp(-0.25) * 0.25 ** k / np.prod(range(1, k + 1)) for k in range(8))),
])
def test_the_poisson_tail(count, mean, p):
    assert detect.tail(count, mean) == pytest.approx(p, rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("count, mean, low, high", [
    (1100, 800.0, 1e-28, 1e-20),   # a large bank's week of one story: exp(-800) is 0 in a double
    (900, 800.0, 1e-4, 1e-3),      # a little above the usual: not surprising
    (30, 5.0, 1e-14, 1e-13),       # a small tail a sum from 1 - ... would round away
])
def test_the_tail_holds_at_a_large_banks_volume(count, mean, low, high):
    assert low < detect.tail(count, mean) < high
    assert detect.tail(count - 1, mean) > detect.tail(count, mean)  # and still falls with the count


def test_a_story_at_a_large_banks_volume_is_flagged():
    rules = detect.Rules(min_count=8)
    assert detect.abnormal(1100, 800.0, 1.0, rules)[0] and not detect.abnormal(820, 800.0, 1.0, rules)[0]


@pytest.mark.parametrize("count, expected, ok", [
    (7, 0.0, False),     # below the minimum, however surprising
    (8, 0.0, True),      # fresh install: the floor (0.5 an hour, 0.25 in 30 min) makes 8 abnormal
    (8, 3.0, False),     # a label that usually has 3 in this window: 8 is not yet one in a million
    (16, 3.0, True),
    (30, 12.0, False),   # Monday morning's usual crowd
])
def test_a_count_is_abnormal_against_its_baseline_and_the_floor(count, expected, ok):
    assert detect.abnormal(count, expected, 0.5, RULES)[0] is ok


def test_the_baseline_is_the_same_window_of_the_week_in_past_weeks():
    windows = detect.past_windows(NOW, Rules(baseline_weeks=2, window_minutes=30))
    assert windows == [(NOW - timedelta(days=7, minutes=30), NOW - timedelta(days=7)),
                       (NOW - timedelta(days=14, minutes=30), NOW - timedelta(days=14))]


def test_complaints_group_by_meaning_largest_first():
    vectors = np.vstack([OUTAGE] * 3 + [OTHER_STORY] * 5 + [unit(0.7, 0.7)])
    assert [len(g) for g in groups(vectors, 0.9)] == [5, 3, 1]
    assert groups(np.zeros((0, 8), np.float32), 0.5) == []


def test_a_meaning_surge_opens_a_candidate_with_its_members_and_the_background_left_out():
    window = seen(10, OUTAGE) + seen(3, OTHER_STORY, ("credit_card", "fees_charges"), start=100)
    found = candidates(window, [], NOW, RULES)
    assert [(c.rule, c.count) for c in found] == [("meaning", 10)]
    assert set(found[0].members) == {f"S{i}" for i in range(10)}


def test_the_same_crowd_is_usual_when_past_weeks_had_it():
    window = seen(10, OUTAGE)
    usual = seen(40, OUTAGE, start=200)  # 10 a week in the same window over 4 weeks
    assert candidates(window, usual, NOW, RULES) == []
    assert candidates(seen(7, OUTAGE), [], NOW, RULES) == []  # fewer than the minimum


def test_a_label_surge_of_complaints_that_also_tell_one_story():
    # Ten of one label, alike at 0.6 (the link bond) but not at the meaning rule's 0.9: the label rule finds them.
    a, b = unit(1, 0, 0.9), unit(1, 0, -0.9)
    rules = Rules(similar=0.9, link=0.1)
    found = candidates(seen(5, a) + seen(5, b, start=5), [], NOW, rules)
    assert [(c.rule, c.key, c.count) for c in found] == [("label", "digital_banking/system_failure", 10)]
    # The catch-all label is no story, however many.
    other = ("other", "other")
    assert candidates(seen(5, a, other) + seen(5, b, other, start=5), [], NOW, rules) == []


@pytest.mark.parametrize("vector, business_type, members, labels, linked", [
    (OUTAGE, "payments", [], frozenset(), True),                          # alike the centre
    (unit(0.3, 1), "payments", [], frozenset(), False),                   # 0.43 to the centre: not alike enough
    (unit(0.3, 1), "payments", [unit(0.3, 1)] * 2, frozenset(), True),    # two members alike it
    (unit(0.3, 1), "payments", [unit(0.3, 1)] * 1, frozenset(), False),   # one is not enough
    (unit(0.3, 1), "payments", [], frozenset({"payments"}), True),        # one of its main labels, at 0.43
    (unit(0.3, 1), "loans", [], frozenset({"payments"}), False),
    (unit(0.1, 1), "payments", [], frozenset({"payments"}), False),       # its label, but 0.25: too far
])
def test_linking_a_new_complaint_to_an_open_incident(vector, business_type, members, labels, linked):
    incident = Open(OUTAGE, np.vstack(members) if members else np.zeros((0, 8), np.float32), labels)
    assert (matches(vector, business_type, [incident], RULES) == 0) is linked


@pytest.mark.parametrize("vector, business_type, members, bridge, why", [
    (OUTAGE, "payments", [], True, detect.CENTRE),
    (OUTAGE, "payments", [], False, detect.CENTRE),                     # the centre needs no bridge
    (unit(0.3, 1), "payments", [], True, detect.LABEL),                 # 0.43 and a main label
    (unit(0.3, 1), "payments", [], False, None),                        # a second look goes without the bridge
    (unit(0.3, 1), "payments", [unit(0.3, 1)] * 2, False, detect.NEIGHBOURS),
    (unit(0.3, 1), "payments", [unit(0.3, 1)] * 2, True, detect.LABEL),  # the bridge is asked before neighbours
    (unit(0.3, 1), "loans", [unit(0.3, 1)] * 2, True, detect.NEIGHBOURS),
    (unit(0, 1), "loans", [unit(1, 0)] * 5, True, None),
])
def test_why_a_complaint_links(vector, business_type, members, bridge, why):
    incident = Open(OUTAGE, np.vstack(members) if members else np.zeros((0, 8), np.float32), frozenset({"payments"}))
    assert detect.linking(vector, business_type, incident, RULES, bridge) == why
    assert (matches(vector, business_type, [incident], RULES, bridge) == 0) is (why is not None)


@pytest.mark.parametrize("oldest_days_ago, weeks", [
    (None, 0),      # nothing ever received: the floor alone
    (3, 0),         # younger than a week
    (7.1, 1),       # one past window lies after the first complaint
    (15, 2), (29, 4), (400, 4),  # never more than `baseline_weeks`
])
def test_the_baseline_counts_only_the_weeks_the_install_has(oldest_days_ago, weeks):
    oldest = None if oldest_days_ago is None else NOW - timedelta(days=oldest_days_ago)
    assert detect.covered_weeks(NOW, oldest, RULES) == weeks


def test_a_young_install_divides_its_history_by_the_weeks_it_has():
    # 12 alike complaints in last week's window, the only week there is: 12 a week is usual, 16 is not yet
    # one in a million. Divided by 4 weeks it never had, 3 would be usual and 16 an incident.
    window, last_week = seen(16, OUTAGE), seen(12, OUTAGE, start=100)
    assert candidates(window, last_week, NOW, RULES, weeks=1) == []
    assert [c.count for c in candidates(window, last_week, NOW, RULES)] == [16]


def test_the_most_alike_incident_wins_and_no_incident_links_nothing():
    near, far = Open(OUTAGE, np.zeros((0, 8), np.float32)), Open(unit(1, 0.6), np.zeros((0, 8), np.float32))
    assert matches(OUTAGE, "x", [far, near], RULES) == 1
    assert matches(OUTAGE, "x", [], RULES) is None


@pytest.mark.parametrize("types, main", [
    ([], set()), (["payments"] * 3 + ["loans"], {"payments"}), (["other"] * 6 + ["loans"] * 3, {"loans"}),
    (["other"] * 9 + ["loans"] * 3, set()),  # a quarter is no main label
])
def test_an_incidents_main_business_types(types, main):
    assert detect.main_labels(types) == main


def test_the_generated_month_is_the_same_for_the_same_seed_and_holds_its_outages():
    a, outages = traffic.month(7, "2026-11-02", days=3, per_day=50, outage_count=2)
    b, _ = traffic.month(7, "2026-11-02", days=3, per_day=50, outage_count=2)
    assert a == b and len(outages) == 2
    for o in outages:
        mine = [c for c in a if c.outage == o.id]
        assert len(mine) == o.size and {c.language for c in mine} <= {"zh", "en"}
    assert sum(c.outage is None for c in a) > 50  # the background around them


@pytest.mark.parametrize("rules, vector, members, why", [
    # Each bond holds at exactly its threshold (0.5 and 0.75 are exact in binary, so the dot products are too).
    (Rules(link=0.5), [0.5, 0.8], [], detect.CENTRE),
    (Rules(link=0.75, link_same_label=0.5), [0.5, 0.8], [], detect.LABEL),
    (Rules(link=0.75, link_same_label=0.75, similar=0.5), [0.25, 0.5], [[0, 1], [0, 1]], detect.NEIGHBOURS),
])
def test_each_bond_holds_at_its_threshold(rules, vector, members, why):
    padded = [np.array(v + [0] * (8 - len(v)), np.float32) for v in (vector, *members)]
    incident = Open(np.array([1] + [0] * 7, np.float32), np.vstack(padded[1:]) if members else
                    np.zeros((0, 8), np.float32), frozenset({"payments"}))
    assert detect.linking(padded[0], "payments", incident, rules) == why


def test_a_complaint_received_exactly_a_window_of_weeks_ago_counts_that_week():
    rules = Rules(baseline_weeks=2, window_minutes=30)
    assert detect.covered_weeks(NOW, NOW - timedelta(days=7, minutes=30), rules) == 1
    assert detect.covered_weeks(NOW, NOW - timedelta(days=7, minutes=31), rules) == 1
    assert detect.covered_weeks(NOW, NOW - timedelta(days=7, minutes=29), rules) == 0


@pytest.mark.parametrize("quiet_for, stopped", [(None, False), (timedelta(hours=2), False),
                                                (timedelta(hours=3), False), (timedelta(hours=3, seconds=1), True)])
def test_an_incident_stops_linking_after_its_quiet_hours(quiet_for, stopped):
    assert RULES.stopped_linking(None if quiet_for is None else NOW - quiet_for, NOW) is stopped


EVERYDAY = unit(0, 0, 1)  # a complaint told in one template every day (「信用卡额度突然被降了」)


def story_window(outage: int, everyday: int = 34) -> list[Seen]:
    return seen(outage, OUTAGE, minutes=20) + seen(everyday, EVERYDAY, start=100, minutes=5)


def heard(total: int, outage_like: int) -> list[Seen]:
    return seen(outage_like, OUTAGE, start=1000, minutes=60) + seen(total - outage_like, EVERYDAY, start=5000)


@pytest.mark.parametrize("outage, history, outage_like, rules, found", [
    (6, 1000, 0, RULES, True),                      # six tell a story the past week never told
    (5, 1000, 0, RULES, False),                     # below `story_min_count`
    (5, 1000, 0, Rules(story_min_count=5), True),
    (6, 1000, 50, RULES, False),                    # a story heard 50 times a week: six in three hours is usual
    (6, 0, 0, RULES, False),                        # no history: one added to each side, so nothing is rare
])
def test_a_new_story_is_counted_against_its_share_of_the_past_days(outage, history, outage_like, rules, found):
    got = detect.stories(story_window(outage), heard(history, outage_like), rules)
    assert [(c.rule, sorted(c.members)) for c in got] == (
        [("story", sorted(s.id for s in seen(outage, OUTAGE)))] if found else [])


@pytest.mark.parametrize("outage_like, history", [(5, 300), (10, 200), (30, 300)])
def test_a_storys_expected_count_is_the_window_times_its_share_with_one_added(outage_like, history):
    # alpha a hair above or at the tail of the expected count (window x (heard + 1) / (history + 1)): the rule
    # opens it exactly when the tail is below alpha, so any other expectation moves one row to the wrong side.
    window = story_window(9)
    p = detect.tail(9, len(window) * (outage_like + 1) / (history + 1))
    assert detect.stories(window, heard(history, outage_like), Rules(alpha=p * 1.000001))
    assert detect.stories(window, heard(history, outage_like), Rules(alpha=p)) == []


def test_a_story_the_short_window_already_found_is_not_found_twice():
    window = story_window(8)
    assert detect.stories(window, heard(1000, 0), RULES, taken={window[0].id}) == []
    assert len(detect.stories(window, heard(1000, 0), RULES, taken={"elsewhere"})) == 1


@pytest.mark.parametrize("oldest, has", [
    (None, False),                                            # nothing ever received
    (NOW - timedelta(hours=3, days=1), True),                 # exactly a day before the story window
    (NOW - timedelta(hours=3, days=1) + timedelta(seconds=1), False),
    (NOW - timedelta(days=30), True),
])
def test_new_stories_wait_for_a_day_of_history(oldest, has):
    assert detect.has_history(NOW, oldest, RULES) is has


def test_every_rule_that_opens_an_incident_has_a_name_in_both_languages():
    from models.vocabulary import tables
    assert {"label", "meaning", "story", "split"} <= set(tables()["incident_rule"])


FEE = unit(1, 0.15, 0.9)   # about 0.76 alike the outage's centre: a bond by the centre
FEE_HEARD = unit(1, 0.15, 1)  # the everyday complaint it is (0.997 alike)


@pytest.mark.parametrize("members, everyday, why", [
    ([OUTAGE] * 3, [FEE_HEARD], None),                  # more alike what was heard before than any member
    ([OUTAGE, FEE], [FEE_HEARD], detect.CENTRE),        # a member alike it: the outage's own
    ([OUTAGE] * 3, [EVERYDAY], detect.CENTRE),          # nothing heard before was like it
    ([OUTAGE] * 3, None, detect.CENTRE),                # nothing heard at all (a fresh install)
    ([], [FEE_HEARD], detect.CENTRE),                   # no members to compare (a finding joining by its centre)
])
def test_a_complaint_more_alike_the_everyday_than_the_incident_is_not_linked(members, everyday, why):
    incident = Open(OUTAGE, np.vstack(members) if members else np.zeros((0, 8), np.float32), frozenset(),
                    None if everyday is None else np.vstack(everyday))
    assert detect.linking(FEE, "payments", incident, RULES) == why


def test_the_everyday_vetoes_every_bond():
    heard = np.vstack([unit(0.3, 1)])
    for members, bridge in (([OUTAGE], True), ([unit(0.3, 1.05)] * 2, False)):  # by label, by neighbours
        incident = Open(OUTAGE, np.vstack(members), frozenset({"payments"}))
        assert detect.linking(unit(0.3, 1), "payments", incident, RULES, bridge) is not None
        assert detect.linking(unit(0.3, 1), "payments", Open(OUTAGE, np.vstack(members), frozenset({"payments"}),
                                                          heard), RULES, bridge) is None


@pytest.mark.parametrize("heard, why", [([0.5, 1], detect.CENTRE), ([0.5, 1.25], None)])
def test_as_alike_a_member_as_the_everyday_it_links(heard, why):
    # Exact in binary: 0.875 to the member, and 0.875 or 1.0 to what was heard.
    pad = lambda *xs: np.array([*xs] + [0] * (8 - len(xs)), np.float32)  # noqa: E731
    incident = Open(pad(1), np.vstack([pad(0.5, 1)]), frozenset(), np.vstack([pad(*heard)]))
    assert detect.linking(pad(0.75, 0.5), "payments", incident, RULES) == why


def test_a_story_says_its_count_its_expectation_and_its_most_central_member():
    window, history = story_window(7), heard(1000, 2)
    [c] = detect.stories(window, history, RULES)
    expected = len(window) * 3 / 1001
    assert (c.count, c.expected, c.p) == (7, pytest.approx(expected), pytest.approx(detect.tail(7, expected)))
    assert c.key in c.members and c.centre @ OUTAGE == pytest.approx(1.0, abs=1e-6)


def test_a_window_of_exactly_the_minimum_can_be_a_story():
    assert len(detect.stories(seen(6, OUTAGE), heard(1000, 0), RULES)) == 1


def test_a_second_story_is_found_when_the_first_was_already_taken():
    window = seen(8, OUTAGE) + seen(6, OTHER_STORY, start=50) + seen(34, EVERYDAY, start=100, minutes=5)
    [c] = detect.stories(window, heard(1000, 0), RULES, taken={window[0].id})
    assert sorted(c.members) == sorted(s.id for s in seen(6, OTHER_STORY, start=50))


def test_the_story_window_and_the_week_before_it():
    (told_from, told_to), (heard_from, heard_to) = RULES.story_spans(NOW)
    assert (told_from, told_to, heard_to) == (NOW - timedelta(hours=3), NOW, NOW - timedelta(hours=3))
    assert heard_from == NOW - timedelta(hours=3, days=7)
