"""The customer's page's rules as tables, no server: what a link's token opens and how it reads, which
images the page takes, what the request audit keeps of a link, how a code is kept and how the page names the
phone. The page itself, on a phone against the dev server, is tests/test_customer_page.py."""
import base64
import re
from datetime import UTC, datetime, timedelta

import pytest

from api import customer_rules
from api.audit import redacted
from complaints import links
from complaints.fields import FieldCipher

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
CIPHER = FieldCipher("k1", b"\x01" * 32)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _issue(cid="HL0000000001", epoch=0, until=NOW + timedelta(days=1), purpose=links.LINK) -> str:
    return links.issue(CIPHER.sign, purpose, cid, epoch, until)


def flip(token: str, at: int = -3) -> str:
    c = token[at]
    return token[:at] + ("A" if c != "A" else "B") + token[at + 1:]


# Each row makes its token in the test itself (a token made at collection would not see the code under test).
@pytest.mark.parametrize("make, epoch_in_force, found", [
    (lambda: _issue(), 0, "HL0000000001"),
    (lambda: _issue(epoch=2), 2, "HL0000000001"),
    (lambda: _issue(epoch=3), 2, "HL0000000001"),                  # newer than the row (never issued): harmless
    (lambda: _issue(epoch=1), 2, "link_revoked"),
    (lambda: _issue(until=NOW), 0, "link_expired"),                 # the last moment is already past
    (lambda: _issue(until=NOW - timedelta(days=1)), 0, "link_expired"),
    (lambda: flip(_issue()), 0, "link_tampered"),                  # the MAC changed
    (lambda: _issue().replace("HL0000000001", "HL0000000002"), 0, "link_tampered"),  # another complaint's id
    (lambda: _issue(purpose=links.SESSION), 0, "link_tampered"),    # a session cookie is no link
    (lambda: "", 0, "link_tampered"), (lambda: "HL0000000001", 0, "link_tampered"),
    (lambda: "../../etc/passwd", 0, "link_tampered"),
    (lambda: _issue(cid="HL0000000003"), 0, "no_complaint"),        # no row for it
])
def test_what_a_link_opens(make, epoch_in_force, found):
    rows_in_force = {"HL0000000001": epoch_in_force, "HL0000000002": 0}
    got = links.check(CIPHER.sign, links.LINK, make(), NOW, rows_in_force.get)
    assert (got.complaint_id if isinstance(got, links.Opened) else got) == found


def test_a_token_reads_complaint_expiry_epoch_and_mac_and_opens_to_what_it_says():
    import numpy as np

    until = NOW + timedelta(days=30, seconds=7)
    token = _issue(epoch=4, until=until.replace(microsecond=123))
    cid, expiry, epoch, mac = token.split(".")
    assert (cid, expiry, epoch) == ("HL0000000001", np.base_repr(int(until.timestamp()), 36).lower(), "4")
    body = f"{cid}.{expiry}.{epoch}"
    assert mac == base64.urlsafe_b64encode(CIPHER.sign("link", body)[:16]).decode().rstrip("=") and len(mac) == 22
    opened = links.check(CIPHER.sign, links.LINK, token, NOW, {"HL0000000001": 4}.get)
    assert opened == links.Opened("HL0000000001", 4, until)
    assert links.check(CIPHER.sign, links.LINK, _issue(until=NOW + timedelta(seconds=35)), NOW, {"HL0000000001": 0}.get)


def test_a_link_made_with_another_key_opens_nothing():
    other = FieldCipher("k2", b"\x02" * 32)
    assert links.check(other.sign, links.LINK, _issue(), NOW, lambda cid: 0) == "link_tampered"


@pytest.mark.parametrize("data, kind", [
    (PNG, "image/png"), (b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"), (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
    (b"GIF89a", None), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None), (b"%PDF-1.7", None), (b"", None),
    (b"MZ\x90\x00", None), (b"RIFF\0\0\0\0AVI LIST", None), (b"RIFX\0\0\0\0WEBP", None),
])
def test_an_image_is_what_its_bytes_say(data, kind):
    assert customer_rules.image_kind(data) == kind


@pytest.mark.parametrize("images, refused", [
    ([], None), ([(10, "image/png")] * 5, None), ([(10, "image/png")] * 6, "images_too_many"),
    ([(100, "image/png")], None), ([(101, "image/png")], "image_too_large"), ([(10, None)], "image_not_image"),
    ([(101, None)], "image_too_large"),
])
def test_which_images_are_taken(images, refused):
    assert customer_rules.images_refusal(images, 100, 5) == refused


@pytest.mark.parametrize("path, kept", [
    ("/my/HL0000000001.abc.0.AAAAAAAAAAAAAAAAAAAAAA", "/my/[link]"),
    ("/my/HL0000000001.abc.0.AAAAAAAAAAAAAAAAAAAAAA/code", "/my/[link]/code"),
    ("/my/x/verify", "/my/[link]/verify"), ("/my", "/my"), ("/my/info", "/my/info"), ("/v1/complaints", "/v1/complaints"),
])
def test_a_link_s_token_is_never_kept_in_the_request_audit(path, kept):
    assert redacted(path) == kept


def test_a_code_is_kept_only_as_its_digest_bound_to_its_row():
    codes = {links.new_code() for _ in range(500)}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes) and len(codes) > 450
    assert any(c.startswith("0") for c in codes)  # six digits, leading zeros kept
    digest = links.code_digest(CIPHER.sign, "cc_1", "123456")
    assert digest == base64.urlsafe_b64encode(CIPHER.sign("code", "cc_1\n123456")[:16]).decode().rstrip("=")
    assert links.code_digest(CIPHER.sign, "cc_1", " 123456 ") == digest  # typed with a space: the same code
    assert links.code_digest(CIPHER.sign, "cc_2", "123456") != digest


@pytest.mark.parametrize("phone, shown", [
    ("13512345678", "•••• 5678"), ("+86 135-1234-0099", "•••• 0099"), ("135 1234 56 78", "•••• 5678"),
    ("1234", "•••• 1234"), ("123", "••••"), ("12 3", "••••"), ("", "••••"),
])
def test_the_page_names_the_phone_by_its_last_four_digits(phone, shown):
    assert links.masked_phone(phone) == shown
