"""Times as the bank reads them on its pages: in its zone, and an end-of-day deadline on its own day."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from web.common import local_times
from web.views import deadline_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("utc, shown", [
    (datetime(2026, 12, 9, 16, 0, tzinfo=UTC), "2026-12-09 24:00"),   # 7wd ends at 24:00 local
    (datetime(2026, 12, 9, 16, 1, tzinfo=UTC), "2026-12-10 00:01"),
    (datetime(2026, 12, 9, 15, 59, tzinfo=UTC), "2026-12-09 23:59"),
    (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "2026-12-31 24:00"),  # across a year
    (datetime(2026, 12, 6, 3, 2, 42, 2796, tzinfo=UTC), "2026-12-06 11:02"),
])
def test_a_deadline_reads_on_its_own_day(utc, shown):
    assert deadline_text(utc, SHANGHAI) == shown


def test_a_composed_message_shows_local_times_not_iso():
    text = "first response due 2026-12-06T03:02:42.002796+00:00; plan 2026-12-09T16:00:00Z; ref HL0123456789"
    assert local_times(text, "Asia/Shanghai") == "first response due 2026-12-06 11:02; plan 2026-12-09 24:00; " \
                                                 "ref HL0123456789"
