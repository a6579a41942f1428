"""Calendar months and ISO weeks in the bank's time zone: the periods reports and the look-back count in.

One home for this arithmetic (the look-back, the dashboard, the heat map and the export all use it)."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.reasons import why


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month (`2026-10`) in the bank's time zone, as UTC instants."""
    year, mon = (int(x) for x in month.split("-"))
    zone = ZoneInfo(tz)
    start = datetime.combine(date(year, mon, 1), time(0), tzinfo=zone)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    end = datetime.combine(nxt, time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def quarter_bounds(quarter: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar quarter (`2026Q4`) in the bank's time zone, as UTC instants."""
    try:
        year, q = quarter.upper().split("Q")
        first = (int(q) - 1) * 3 + 1
        if not 1 <= int(q) <= 4 or len(year) != 4:
            raise ValueError
    except ValueError:
        raise ValueError(f"quarter must look like 2026Q4, not {quarter!r}") from None
    start = month_bounds(f"{year}-{first:02d}", tz)[0]
    end = month_bounds(f"{year}-{first + 2:02d}", tz)[1]
    return start, end


def quarter_of(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz)).date()
    return f"{local.year:04d}Q{(local.month - 1) // 3 + 1}"


def month_not_ended(month: str, tz: str, now: datetime) -> str | None:
    """Why a look-back of `month` cannot run at `now` (the month is current or still to come), or None.
    Its sample would be incomplete, and its one run per month used up before the month was over."""
    end = month_bounds(month, tz)[1]
    if end <= now:
        return None
    return why("month_not_ended", month=month, end=f"{end.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M %Z}")


def month_before(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def month_of(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz)).date()
    return f"{local.year:04d}-{local.month:02d}"


def previous_month(now: datetime, tz: str) -> str:
    """The month before the one `now` falls in, in the bank's time zone."""
    return month_before(month_of(now, tz))


def week_bounds(week: str, tz: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of an ISO week (`2026-W47`), in the bank's time zone."""
    try:
        year, num = week.split("-W")
        monday = date.fromisocalendar(int(year), int(num), 1)
    except ValueError:
        raise ValueError(f"week must look like 2026-W47, not {week!r}") from None
    start = datetime.combine(monday, time(0), tzinfo=ZoneInfo(tz))
    return start, start + timedelta(days=7)


def last_full_week(today: date) -> str:
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def week_of(at: datetime, tz: str) -> str:
    """The ISO week (`2026-W47`) `at` falls in, in the bank's time zone."""
    year, week, _ = at.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"
