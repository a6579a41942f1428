"""Loading the SLA policy from its TOML file, with errors a person can act on."""
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from models.policy import Policy


class PolicyError(ValueError):
    pass


def check_calendar(policy: Policy) -> Policy:
    """The region must have a holiday calendar and the time zone must exist."""
    import holidays

    if policy.region not in holidays.list_supported_countries():
        raise PolicyError(f"no holiday calendar for region {policy.region!r}")
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"unknown time zone {policy.timezone!r}") from None
    return policy


def load_policy(path: str | Path | None) -> Policy:
    """The policy in the file, or the built-in default (the spec's table) when no path is given."""
    if not path:
        return check_calendar(Policy())
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} not found") from None
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"policy file {path} is not valid TOML: {e}") from None
    data.setdefault("name", path.stem)
    try:
        return check_calendar(Policy.model_validate(data))
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'policy'}: {err['msg'].removeprefix('Value error, ')}"
            for err in e.errors())
        raise PolicyError(f"policy file {path}: {problems}") from None
