"""Reports on a seeded read model, every number worked out by hand below."""
import asyncio
import csv
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from matplotlib import image as mpimg
from sqlmodel import Session

from complaints.db import make_engine
from models.intake import workflow_id_for
from models.tables import ComplaintRow, LookBackRevisit, SlaEventRow
from reports import dashboard, heatmap
from reports.export import COLUMNS, write_csv
from sla import periods

SH = ZoneInfo("Asia/Shanghai")
TZ = "Asia/Shanghai"
_n = iter(range(1, 10_000))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def complaint(received: datetime, *, tier="standard", business="credit_card", nature="fees_charges", level="III",
              outcome=None, csat=None, breached=False, closed=None, department="cards", channel="hotline",
              reopened_from=None) -> ComplaintRow:
    i = next(_n)
    return ComplaintRow(
        id=f"R{i:05d}", workflow_id=workflow_id_for(f"R{i:05d}"), channel=channel, external_ref=f"EXT-{i}",
        customer_id=f"C{i}", customer_masked="王*", customer_name="王芳", customer_phone="13800138000", tier=tier,
        text="…", received_at=received, first_responder_id="E1", owner_id="E1", department=department,
        stage="closed" if closed else "handle", business_type=business, problem_nature=nature, level=level,
        outcome=outcome, csat=csat, breached=breached, closed_at=closed, reopened_from=reopened_from,
        surface_fix=reopened_from is not None)


def seeded(tmp_path: Path, rows: list) -> object:
    engine = make_engine(f"sqlite:///{tmp_path / 'reports.db'}")
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()
    return engine


def assert_real_picture(path: Path) -> None:
    assert path.exists() and path.stat().st_size > 20_000
    pixels = mpimg.imread(path)
    assert pixels.shape[0] > 400 and pixels.shape[1] > 600
    colours = {tuple(p) for p in pixels[::7, ::7].reshape(-1, pixels.shape[2])}
    assert len(colours) > 50  # not a blank or single-colour image


# ------------------------------------------------------------------ heat map: ISO week 2026-W40
# Monday 2026-09-28 00:00 to Monday 2026-10-05 00:00, Asia/Shanghai.

@pytest.fixture
def week_engine(tmp_path):
    d = at(2026, 9, 30, 10)
    return seeded(tmp_path, [
        *[complaint(d) for _ in range(3)],                                              # standard cc×fees
        complaint(d, business="debit_account", nature="lost_card"),                     # standard
        *[complaint(d, tier="vip") for _ in range(2)],                                  # vip cc×fees
        *[complaint(d, tier="vip", business="digital_banking", nature="system_failure") for _ in range(2)],
        complaint(d, tier="private", business="wealth_management", nature="mis_selling"),
        complaint(d, tier="private", business="payments", nature="fraud"),
        complaint(at(2026, 9, 28, 0, 0), business="loans", nature="other"),            # first minute: in
        complaint(at(2026, 9, 27, 23, 59)),                                             # Sunday before: out
        complaint(at(2026, 10, 5, 0, 0)),                                               # next Monday: out
    ])


def test_heatmap_counts_and_callouts(week_engine, tmp_path):
    h = heatmap.compute(week_engine, "2026-W40", TZ)
    assert h.total == 11
    grid = {(c.tier, c.business_type, c.problem_nature): c.count for c in h.cells}
    assert grid == {("standard", "credit_card", "fees_charges"): 3, ("standard", "debit_account", "lost_card"): 1,
                    ("standard", "loans", "other"): 1, ("vip", "credit_card", "fees_charges"): 2,
                    ("vip", "digital_banking", "system_failure"): 2, ("private", "wealth_management", "mis_selling"): 1,
                    ("private", "payments", "fraud"): 1}
    assert [(c.business_type, c.problem_nature, c.count) for c in h.frequent] == [
        ("credit_card", "fees_charges", 5), ("digital_banking", "system_failure", 2), ("debit_account", "lost_card", 1)]
    assert [(c.business_type, c.count) for c in h.frequent_by_tier["vip"]] == [
        ("credit_card", 2), ("digital_banking", 2)]
    assert [(c.tier, c.problem_nature, c.count) for c in h.high_risk] == [
        ("vip", "system_failure", 2), ("private", "fraud", 1)]
    png, page = heatmap.render(h, tmp_path / "out")
    assert_real_picture(png)
    text = page.read_text(encoding="utf-8")
    assert "系统故障" in text and "欺诈" in text and "data:image/png;base64," in text


def test_chinese_labels_are_drawn_in_a_cjk_font_even_with_a_stale_font_cache(week_engine, tmp_path, monkeypatch):
    """A font installed after matplotlib first ran is not in its cache: it is found on disk, and no label
    is drawn as empty boxes ("Glyph … missing from font")."""
    import warnings

    from matplotlib import font_manager

    from reports.render import CJK_FILES, use_cjk_font

    on_disk = [f for f in font_manager.findSystemFonts() if any(k in Path(f).name.lower() for k in CJK_FILES)]
    if not on_disk:
        pytest.skip("no CJK font on this machine (.ci/run installs fonts-wqy-microhei)")
    stale = [f for f in font_manager.fontManager.ttflist if not any(k in Path(f.fname).name.lower() for k in CJK_FILES)]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)  # as the cache was before the font came
    assert use_cjk_font() is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        heatmap.render(heatmap.compute(week_engine, "2026-W40", TZ), tmp_path / "out")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_week_argument_is_checked():
    with pytest.raises(ValueError, match="2026-W47"):
        periods.week_bounds("2026-47", TZ)
    assert periods.last_full_week(datetime(2026, 11, 23).date()) == "2026-W47"


# ------------------------------------------------------------------ dashboard: 2026-10 vs 2026-09

@pytest.fixture
def month_engine(tmp_path):
    rows = [
        # closed in October (Asia/Shanghai)
        complaint(at(2026, 10, 10, 10), outcome="resolved", csat=5, closed=at(2026, 10, 10, 12)),         # 2h
        complaint(at(2026, 10, 11, 8), outcome="resolved", csat=4, closed=at(2026, 10, 11, 12), channel="app"),
        complaint(at(2026, 9, 30, 20), outcome="resolved", csat=2, breached=True, closed=at(2026, 10, 2, 2),
                  department="loans"),                                                                  # 30h
        complaint(at(2026, 10, 20, 0), level="II", outcome="no_feedback", closed=at(2026, 10, 20, 10),
                  department="ops", channel="branch"),                                                  # 10h
        complaint(at(2026, 10, 21, 9), level="I", outcome="resolved", csat=3, breached=True,
                  closed=at(2026, 10, 21, 10), department="it", channel="app"),                         # 1h
        complaint(at(2026, 10, 22, 9), outcome="withdrawn", closed=at(2026, 10, 22, 9, 30), channel="wechat"),
        complaint(at(2026, 10, 25, 9), reopened_from="R00001"),                                         # open
        # September
        complaint(at(2026, 9, 1, 9), outcome="resolved", csat=4, closed=at(2026, 9, 2, 9)),             # 24h
    ]
    sla = [SlaEventRow(complaint_id="X", clock="result", kind="breached", at=at(2026, 10, 2, 0),
                       deadline=at(2026, 10, 2, 0), department="loans"),
           SlaEventRow(complaint_id="Y", clock="first_response", kind="breached", at=at(2026, 10, 21, 9, 59),
                       deadline=at(2026, 10, 21, 9, 59), department="it"),
           SlaEventRow(complaint_id="Y", clock="first_response", kind="warned", at=at(2026, 10, 21, 9, 50),
                       deadline=at(2026, 10, 21, 9, 59), department="it"),
           SlaEventRow(complaint_id="Z", clock="result", kind="breached", at=at(2026, 9, 15, 0),
                       deadline=at(2026, 9, 15, 0), department="cards")]
    revisits = [LookBackRevisit(id=f"2026-09/{d}", month="2026-09", complaint_id=d, department=d, due_at=at(2026, 10, 9),
                                outcome=o, decided_at=at(2026, 10, 8, 15))
                for d, o in (("cards", "confirmed_resolved"), ("loans", "recurred"), ("ops", "unreachable"))]
    return seeded(tmp_path, rows + sla + revisits)


def test_dashboard_figures(month_engine, tmp_path):
    d = dashboard.compute(month_engine, "2026-10", TZ)
    m = d.month
    assert (m.received, m.closed, m.withdrawn, m.no_feedback) == (6, 6, 1, 1)
    # CSAT over resolved complaints with an answer: 5, 4, 2, 3.
    assert (m.csat_mean, m.csat_responses, m.csat_distribution) == (3.5, 4, {1: 0, 2: 1, 3: 1, 4: 1, 5: 1})
    # Handling hours without the withdrawn one: 1, 2, 4, 10, 30 -> median 4; p90 at rank 3.6: 10 + 0.6*20 = 22.
    assert (m.handling_hours_median, m.handling_hours_p90) == (4.0, 22.0)
    assert {lv: (v.closed, v.on_time, v.rate, v.meets_commitment) for lv, v in m.on_time.items()} == {
        "I": (1, 0, 0.0, False), "II": (1, 1, 1.0, True), "III": (3, 2, 0.6667, False)}
    assert (m.breaches, m.breached_complaints) == (2, 2)
    # The commitment line is the policy's: a bank that commits to 60% sees level III meet it.
    lenient = dashboard.compute(month_engine, "2026-10", TZ, commitment=0.6)
    assert lenient.commitment == 0.6 and lenient.month.on_time["III"].meets_commitment is True
    assert (m.reopens, m.reopen_rate) == (1, 0.1667)
    assert (m.revisits_decided, m.surface_fixes, m.surface_fix_rate) == (3, 1, 0.3333)
    assert m.surface_fixes_by_department == {"loans": 1}
    assert m.by_department == {"cards": 4, "it": 1, "ops": 1}
    assert m.by_channel == {"app": 2, "branch": 1, "hotline": 2, "wechat": 1}
    p = d.previous
    assert (p.month, p.received, p.closed, p.csat_mean, p.handling_hours_median, p.breaches) == (
        "2026-09", 2, 1, 4.0, 24.0, 1)
    assert p.on_time["III"].rate == 1.0 and p.on_time["I"].rate is None
    png, page, figures = dashboard.render(d, tmp_path / "out")
    assert_real_picture(png)
    assert dashboard.Dashboard.model_validate_json(figures.read_text()) == d
    assert "按时率" in page.read_text(encoding="utf-8")


def test_previous_month_wraps_the_year():
    assert periods.month_before("2026-01") == "2025-12"
    assert periods.month_before("2026-10") == "2026-09"


# ------------------------------------------------------------------ CSV export

def test_csv_round_trips_and_masks_unless_asked(month_engine, tmp_path, cipher):
    path = tmp_path / "oct.csv"
    assert write_csv(month_engine, "2026-10", TZ, path, cipher) == 6
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        exported = list(reader)
    assert [r["received_at"][:10] for r in exported] == ["2026-10-10", "2026-10-11", "2026-10-20", "2026-10-21",
                                                        "2026-10-22", "2026-10-25"]
    assert {r["customer_name"] for r in exported} == {"王*"} and {r["customer_phone"] for r in exported} == {"138****8000"}
    first = exported[0]
    assert (first["on_time"], first["outcome"], first["csat"], first["closed_at"]) == (
        "yes", "resolved", "5", "2026-10-10T12:00+08:00")
    assert [r["on_time"] for r in exported] == ["yes", "yes", "yes", "no", "yes", "open"]
    assert exported[-1]["reopened_from"] == "R00001" and exported[-1]["surface_fix"] == "yes"
    clear = tmp_path / "clear.csv"
    write_csv(month_engine, "2026-10", TZ, clear, cipher, unmasked=True)
    with clear.open(encoding="utf-8-sig", newline="") as f:
        assert {r["customer_phone"] for r in csv.DictReader(f)} == {"13800138000"}
    assert clear.stat().st_mode & 0o777 == 0o600  # personal data: readable by its owner only


def test_an_export_never_overwrites_a_file_unless_forced(month_engine, tmp_path, cipher):
    path = tmp_path / "kept.csv"
    path.write_text("the regulator's copy", encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(FileExistsError, match="add --force"):
        write_csv(month_engine, "2026-10", TZ, path, cipher)
    assert path.read_text(encoding="utf-8") == "the regulator's copy"
    assert write_csv(month_engine, "2026-10", TZ, path, cipher, force=True) == 6
    assert path.stat().st_mode & 0o777 == 0o600


async def test_cli_reports_and_the_unmasked_guard(month_engine, tmp_path, settings, client):
    """Through a real API over the month's database: a supervisor's reports and exports, a handler refused,
    and the unmasked export an audit row naming who asked."""
    from sqlmodel import select

    from api.accounts import add_account
    from models.access import RequestAudit
    from server.app import build_context
    from tests.api_support import PASSWORD, running

    for user, role in (("S1", "supervisor"), ("H1", "handler")):
        add_account(month_engine, user, role, "complaints", PASSWORD, replace=True)
    ctx = await build_context(settings.model_copy(update={"api_secret_file": tmp_path / "api.secret"}), client,
                              month_engine, create_secret=True)
    cli = str(Path(sys.executable).parent / "complaints")

    async with running(ctx) as url:
        env = {**os.environ, "COMPLAINTS_API_URL": url, "LOG_FORMAT": "console",
               "COMPLAINTS_SESSION_FILE": str(tmp_path / "session.json")}

        async def run(*args, stdin: str | None = None):
            proc = await asyncio.create_subprocess_exec(cli, *args, env=env, stdin=subprocess.PIPE,
                                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
            out, err = await proc.communicate(stdin.encode() if stdin else None)
            return proc.returncode, out.decode(), err.decode()

        code, _, err = await run("login", "--user", "H1", stdin=PASSWORD + "\n")
        assert code == 0, err
        code, _, err = await run("export", "--month", "2026-10", "--unmasked")
        assert code == 1 and "for a supervisor" in err
        code, out, err = await run("login", "--user", "S1", stdin=PASSWORD + "\n")
        assert code == 0 and "signed in as S1 (supervisor" in out.replace("\n", " "), err
        assert (tmp_path / "session.json").stat().st_mode & 0o777 == 0o600
        code, out, err = await run("report", "dashboard", "--month", "2026-10", "--out", "r")
        assert code == 0, err
        assert (tmp_path / "r" / "dashboard-2026-10.png").read_bytes()[:4] == b"\x89PNG"
        assert "on time, level III" in out
        code, out, err = await run("export", "--month", "2026-10", "--unmasked")
        assert code == 0 and "wrote 6 complaints" in out, err
        with (tmp_path / "complaints-2026-10.csv").open(encoding="utf-8-sig", newline="") as f:
            assert {r["customer_phone"] for r in csv.DictReader(f)} == {"13800138000"}
        assert (tmp_path / "complaints-2026-10.csv").stat().st_mode & 0o777 == 0o600
        code, out, err = await run("export", "--month", "2026-10")  # the same default file name again
        assert code == 1 and "already exists" in err and "--force" in err and "Traceback" not in err
    with Session(month_engine) as session:
        audit = session.exec(select(RequestAudit).where(RequestAudit.path.startswith("/v1/exports/"))).all()
    assert [(a.principal_id, a.status, a.outcome) for a in audit] == [
        ("H1", 403, "forbidden: exporting a month's complaints is for a supervisor; you are signed in as handler"),
        ("S1", 200, "unmasked export of 6 complaints")]


@pytest.mark.parametrize("value, fmt, shown", [(None, "{:.1f}%", "—"), (0.0, "{:.1f}%", "0.0%"),
                                               (87.5, "{:.1f}%", "87.5%"), (None, "{:.0f}", "—"), (3, "{:.0f}", "3")])
def test_a_picture_shows_no_data_as_a_dash_never_as_zero(value, fmt, shown):
    assert dashboard.no_data(value, fmt) == shown
