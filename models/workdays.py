"""The bank's working days, pinned into a complaint's policy so the workflow computes a working-day deadline
itself, with no activity and no round trip to the server: the same answer `sla.calendar` gives from the
holiday tables, as long as the day falls inside the pinned span (beyond it the workflow asks the activity).

Pinned, not read from the `holidays` package in workflow code: a new release of the package may move a day,
and a replayed history must compute what it computed the first time."""
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict


class Workdays(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first: date
    last: date
    off: frozenset[date] = frozenset()  # Monday to Friday, not worked (public holidays)
    on: frozenset[date] = frozenset()   # Saturday or Sunday, worked (make-up days: China's 调休)

    def working(self, day: date) -> bool:
        return day in self.on if day.weekday() >= 5 else day not in self.off

    def deadline(self, start: datetime, n: int, tz: str) -> datetime | None:
        """24:00 local time of the n-th working day after the day `start` falls on, in UTC; None when a day
        it needs lies outside the pinned span."""
        if start.astimezone(ZoneInfo(tz)).date() < self.first:
            return None
        return working_days_end(start, n, tz, self.working, self.last)


def working_days_end(start: datetime, n: int, tz: str, working: Callable[[date], bool],
                     last: date | None = None) -> datetime | None:
    """The rule both calendars share: 24:00 local time of the n-th working day after `start`'s day, in UTC;
    None when counting would pass `last`."""
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date()
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if last is not None and day > last:
            return None
        counted += working(day)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
