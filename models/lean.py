"""A record the workflow keeps for as long as the complaint is cached: pydantic's model without the set of
field names it was given.

pydantic keeps that set on every instance, for `model_dump(exclude_unset=True)`, which nothing here uses
(nor Temporal's pydantic converter, by default). For the small records a complaint holds by the dozen it is
the largest part of each: a history entry's nine values sit in a 272-byte dict beside a 728-byte set, the
state's 52 fields in a 1.6 KB dict beside a 2.3 KB set. A worker caches up to ten thousand complaints
(bench/README.md, "Memory per cached complaint")."""
from typing import Any

from pydantic import BaseModel


class _Untracked(set[str]):
    """An always-empty set that takes pydantic's additions (on assignment, on `model_copy(update=…)`) and
    keeps none: one object shared by every lean record, so no record grows a set of its own."""

    def add(self, _: str) -> None:
        pass

    def update(self, *_: Any) -> None:
        pass

    # A copied record shares it too (pydantic copies the set with every model_copy and deepcopy).
    def __copy__(self) -> "_Untracked":
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> "_Untracked":
        return self


UNTRACKED = _Untracked()


class Lean(BaseModel):
    def model_post_init(self, context: Any, /) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", UNTRACKED)
