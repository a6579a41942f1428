"""Report axes in Chinese, from the one vocabulary (models/vocabulary.py), and the cells a supervisor must not
miss."""
from models.vocabulary import tables


def _zh(kind: str) -> dict[str, str]:
    return {key: pair[0] for key, pair in tables()[kind].items()}


BUSINESS_TYPES = _zh("business_type")
PROBLEM_NATURES = _zh("problem_nature")
TIERS = _zh("tier")
CHANNELS = _zh("channel")
# Cells that are called out whatever their count: a single one is one too many.
HIGH_RISK_NATURES = {"fraud", "system_failure", "privacy", "unauthorised_transaction"}


def label(table: dict[str, str], key: str) -> str:
    return f"{table.get(key, key)}\n{key}"
