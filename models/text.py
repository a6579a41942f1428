"""What text may hold before it is stored: no control characters, nothing that rewrites a terminal.

Customer text reaches PostgreSQL (which refuses NUL in text columns, so a NUL would make every later write
of that complaint fail), terminals (escape sequences) and reviewers' screens (bidirectional overrides that
show text in another order than it is stored). Such characters are refused, naming the field, rather than
silently removed: a channel that sends them has a bug its owners should see."""
import re
from typing import Any

# Every C0/C1 control (Unicode category Cc) but line breaks and tabs, and the bidirectional embeddings,
# overrides and isolates ("Trojan Source"). A regex: this runs on every message a workflow receives.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def bad_character(text: str) -> str | None:
    """The first character `text` may not hold, as U+XXXX, or None."""
    found = _FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def find_bad_text(value: Any, path: str = "") -> str | None:
    """Walk raw input (dicts, lists, strings) and say where the first forbidden character is."""
    if isinstance(value, str):
        found = bad_character(value)
        return f"{path or 'input'}: contains a control character ({found})" if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (found := bad_character(key)):
                return f"{path or 'input'}: a field name contains a control character ({found})"
            if problem := find_bad_text(item, f"{path}.{key}" if path else str(key)):
                return problem
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if problem := find_bad_text(item, f"{path}.{i}" if path else str(i)):
                return problem
    return None


def excerpt(text: str, limit: int = 120) -> str:
    """A bounded, printable excerpt of untrusted text for an audit row or a log line."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return shown + ("…" if len(text) > limit else "")


def for_terminal(text: str) -> str:
    """Text safe to print: control characters other than line breaks become visible escapes."""
    return "".join(ch if ch in ("\n", "\t") or (ch.isprintable() and ch not in _BIDI)
                   else f"\\u{ord(ch):04x}" for ch in text)


# What a spreadsheet reads as the start of a formula (the full-width forms too: some convert them): a cell
# a customer or a channel wrote, such as =HYPERLINK(...), must open as text, never run.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(cell: str) -> str:
    """`cell` as a CSV cell no spreadsheet evaluates: a leading apostrophe where it would start a formula."""
    return "'" + cell if cell.lstrip(" ").startswith(_FORMULA_START) else cell
