"""The bank's message templates, from a file it edits, in the customer's language."""
import tomllib
from functools import lru_cache
from pathlib import Path

DEFAULT = Path(__file__).parent / "templates.toml"


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> dict[str, dict[str, str]]:
    with open(path or DEFAULT, "rb") as f:
        return tomllib.load(f)


def render(templates: dict[str, dict[str, str]], template: str, language: str, params: dict[str, str],
           composed: str) -> str:
    """The file's text in the customer's language (Chinese when it has none in theirs), filled in; the text
    the complaint composed when the file has no such template or lacks a value it asks for."""
    texts = templates.get(template) or {}
    text = texts.get(language) or texts.get("zh")
    if not text:
        return composed
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return composed
