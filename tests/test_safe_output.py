"""Output a person or a log reads: control sequences shown, never obeyed; no personal data in errors."""
import pytest
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from complaints.db import make_engine
from models.text import bad_character, excerpt, for_terminal
from tools.cli.render import plain, safe
from tools.codec_server import make_app


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J\x1b[31mred", "\\u001b[2J\\u001b[31mred"),
    ("a\x00b", "a\\u0000b"),
    ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
    ("第一行\n第二行\t缩进", "第一行\n第二行\t缩进"),
])
def test_terminal_text_shows_control_characters_instead_of_obeying_them(raw, shown):
    assert for_terminal(raw) == shown


def test_markup_in_untrusted_text_is_printed_literally():
    console = Console(record=True, width=80, color_system=None)
    console.print(f"note: {safe('[bold red]FAKE ALERT[/] [link=http://x]click[/link]')}")
    console.print(plain("[red]cell[/red]\x1b[0m"))
    out = console.export_text()
    assert "[bold red]FAKE ALERT[/]" in out and "[red]cell[/red]\\u001b[0m" in out and "\x1b" not in out


@pytest.mark.parametrize("ch, found", [("\x00", "U+0000"), ("\x7f", "U+007F"), ("\x85", "U+0085"),
                                       ("\u2066", "U+2066"), ("\n", None), ("\t", None), ("卡", None)])
def test_forbidden_characters(ch, found):
    assert bad_character(f"ab{ch}cd") == found


def test_an_excerpt_is_bounded_and_printable():
    assert excerpt("x" * 500, 10) == "x" * 10 + "…" and excerpt("a\x00b") == "a?b"


def test_database_errors_carry_no_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO people VALUES (1, :name)"), {"name": "王芳"})
    with pytest.raises(IntegrityError) as e, engine.begin() as conn:
        conn.execute(text("INSERT INTO people VALUES (1, :name)"), {"name": "王芳"})
    assert "王芳" not in str(e.value) and "hidden due to hide_parameters" in str(e.value)


def test_the_codec_server_will_not_start_without_a_token():
    with pytest.raises(ValueError, match="needs a token"):
        make_app(codec=None, token="")


def test_a_fault_no_retry_can_mend_is_non_retryable_and_a_lost_connection_is_not(tmp_path):
    from sqlalchemy.exc import OperationalError
    from temporalio.exceptions import ApplicationError

    from activities.faults import permanent_faults

    engine = make_engine(f"sqlite:///{tmp_path / 'faults.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(ApplicationError) as e, permanent_faults(), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:id)"), {"id": 1})
    assert e.value.non_retryable and e.value.type == "PermanentFault" and "UNIQUE" in e.value.message
    with pytest.raises(OperationalError), permanent_faults():  # the database is away: retried until it is back
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))
