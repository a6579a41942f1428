"""Turning validation errors into one sentence a person (or another system's log) can act on."""
from pydantic import ValidationError


def explain(e: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg'].removeprefix('Value error, ')}"
        for err in e.errors())
