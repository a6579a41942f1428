"""Deadlines on the right calendar.

Hour and minute limits run on the wall clock. `Nd` and `Nwd` end at 24:00 local time of the N-th
calendar / working day after the day the clock starts. Working days come from the `holidays` package,
which knows a region's public holidays and its make-up working days (China's 调休)."""
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from models.policy import parse_duration, without_holidays
from models.workdays import Workdays, working_days_end


class BusinessCalendar:
    def __init__(self, region: str, tz: str):
        self.region = region
        self.tz = ZoneInfo(tz)
        self._days = holidays.country_holidays(region)  # expands to new years lazily

    def is_working_day(self, day: date) -> bool:
        return self._days.is_working_day(day)

    def first_working_day_of(self, year: int, month: int) -> date:
        day = date(year, month, 1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def deadline(self, start: datetime, duration: str) -> datetime:
        """The moment a limit of `duration` that starts at `start` runs out, in UTC."""
        if start.tzinfo is None:
            raise ValueError("start must be time-zone aware")
        n, unit = parse_duration(duration)
        if unit != "wd":
            return without_holidays(start, duration, self.tz.key)
        due = working_days_end(start, n, self.tz.key, self.is_working_day)
        assert due is not None  # the tables reach every year
        return due


@lru_cache(maxsize=16)
def calendar_for(region: str, tz: str) -> BusinessCalendar:
    return BusinessCalendar(region, tz)


# What a worker pins into each complaint's policy: from a year back (a complaint received up to the policy's
# horizon ago) to three years ahead (a decision extended twice ends within months).
PINNED_BACK, PINNED_AHEAD = timedelta(days=400), timedelta(days=3 * 366)


@lru_cache(maxsize=4)
def pinned_workdays(region: str, tz: str, today: date) -> Workdays:
    """The working days around `today` as exceptions to Monday-to-Friday: a few dozen dates a year. Once a
    day per region: the API pins the policy on every intake, and the span takes milliseconds to walk."""
    cal = calendar_for(region, tz)
    first, last = today - PINNED_BACK, today + PINNED_AHEAD
    off, on = set(), set()
    day = first
    while day <= last:
        weekday, working = day.weekday() < 5, cal.is_working_day(day)
        if weekday and not working:
            off.add(day)
        elif working and not weekday:
            on.add(day)
        day += timedelta(days=1)
    return Workdays(first=first, last=last, off=frozenset(off), on=frozenset(on))
