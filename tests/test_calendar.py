"""Deadlines on the business calendar: pure functions, checked against days worked out by hand."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")
CN = BusinessCalendar("CN", "Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize("start, duration, expected", [
    # The spec's example: Oct 1-7 are holidays, Saturday Oct 10 is a make-up working day.
    (local(2026, 9, 30, 17, 0), "7wd", local(2026, 10, 16)),
    # Friday evening before the National Day week: the next working day is Thursday Oct 8.
    (local(2026, 9, 25, 18, 0), "1wd", local(2026, 9, 29)),  # Sep 25 Fri (Mid-Autumn); Sep 26-27 weekend
    (local(2026, 9, 30, 23, 59), "1wd", local(2026, 10, 9)),
    (local(2026, 9, 30, 23, 59), "3wd", local(2026, 10, 11)),  # Oct 8, 9, 10 (make-up Saturday)
    # Sunday Sep 20 is a make-up working day before the holiday.
    (local(2026, 9, 19, 10, 0), "1wd", local(2026, 9, 21)),
    # Spring Festival 2026: Feb 15-23 off, Saturday Feb 14 and Saturday Feb 28 are make-up working days.
    (local(2026, 2, 13, 16, 0), "1wd", local(2026, 2, 15)),   # Feb 14 (Sat) is worked
    (local(2026, 2, 14, 16, 0), "1wd", local(2026, 2, 25)),   # next after the festival: Tue Feb 24
    (local(2026, 2, 14, 16, 0), "3wd", local(2026, 2, 27)),
    (local(2026, 2, 14, 16, 0), "4wd", local(2026, 2, 28)),   # Feb 27 (Fri)
    (local(2026, 2, 14, 16, 0), "5wd", local(2026, 3, 1)),    # Feb 28 (make-up Saturday)
    # An ordinary week: Monday + 3wd ends at the end of Thursday.
    (local(2026, 11, 23, 9, 0), "3wd", local(2026, 11, 27)),
    (local(2026, 11, 27, 18, 0), "1wd", local(2026, 12, 1)),  # Friday -> Monday
    # Calendar days ignore holidays, and end at 24:00 local.
    (local(2026, 9, 30, 17, 0), "15d", local(2026, 10, 16)),
    (local(2026, 9, 30, 17, 0), "30d", local(2026, 10, 31)),
    # Wall-clock limits run 24x7, holidays or not.
    (local(2026, 10, 1, 10, 0), "1h", local(2026, 10, 1, 11, 0)),
    (local(2026, 10, 1, 10, 0), "24h", local(2026, 10, 2, 10, 0)),
    (local(2026, 10, 1, 10, 0), "90s", local(2026, 10, 1, 10, 1, 30)),
    (local(2026, 10, 1, 10, 0), "30m", local(2026, 10, 1, 10, 30)),
])
def test_cn_deadlines(start, duration, expected):
    assert CN.deadline(start, duration) == expected
    assert CN.deadline(start, duration).tzinfo == UTC


def test_the_local_day_decides_not_the_utc_day():
    # 2026-09-30 23:30 UTC is already Oct 1 07:30 in Shanghai: a holiday, so day one is Oct 8.
    start = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    assert CN.deadline(start, "1wd") == local(2026, 10, 9)
    # 2026-09-30 15:59 UTC is still Sep 30 23:59 local.
    assert CN.deadline(datetime(2026, 9, 30, 15, 59, tzinfo=UTC), "1wd") == local(2026, 10, 9)
    assert CN.deadline(datetime(2026, 9, 29, 15, 59, tzinfo=UTC), "1wd") == local(2026, 10, 1)


def test_other_regions_and_daylight_saving():
    ny = BusinessCalendar("US", "America/New_York")
    # Friday before Thanksgiving week: Mon 23, Tue 24, Wed 25, (Thu 26 holiday), Fri 27.
    assert ny.deadline(datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("America/New_York")), "4wd") == \
        datetime(2026, 11, 28, tzinfo=ZoneInfo("America/New_York"))
    # 24h across the autumn clock change is 24 real hours, not "same time tomorrow".
    before = datetime(2026, 10, 31, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    assert ny.deadline(before, "24h") - before.astimezone(UTC) == timedelta(hours=24)
    # A working-day limit ends at local midnight, whatever the offset that day.
    assert ny.deadline(before, "1wd") == datetime(2026, 11, 3, tzinfo=ZoneInfo("America/New_York"))


def test_make_up_days_and_holidays_are_known():
    assert CN.is_working_day(local(2026, 10, 10).date())       # Saturday, worked
    assert not CN.is_working_day(local(2026, 10, 7).date())    # Wednesday, holiday
    assert not CN.is_working_day(local(2026, 10, 11).date())   # Sunday
    assert CN.first_working_day_of(2026, 10) == local(2026, 10, 8).date()
    assert CN.first_working_day_of(2026, 2) == local(2026, 2, 2).date()


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        CN.deadline(datetime(2026, 1, 5, 9, 0), "1wd")
