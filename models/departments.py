"""The department registry: what a department is, defined once (models/departments.toml, or the bank's file).

Routing, work orders, reassignment, accounts and the workbench's lists take only registered ids; the ids are
pinned into each complaint's policy at start (`Policy.departments`), so the workflow refuses an unknown one
with the same reason the API gives, and a later edit of the file never changes a running complaint's rules."""
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, model_validator

from models.reasons import Reason, why

DEFAULT = Path(__file__).parent / "departments.toml"
ID = r"^[a-z0-9][a-z0-9_-]{1,63}$"


class Department(BaseModel):
    id: str = Field(pattern=ID)
    zh: str = Field(min_length=1, max_length=64)
    en: str = Field(min_length=1, max_length=64)
    desk: bool = False                    # takes complaints: a complaint can land in its queue
    supervisor: str | None = Field(default=None, max_length=64)
    head_office: bool = False             # its supervisors approve a further extension of the decision limit
    # The higher-level unit that reviews this department's decisions when a customer asks (核查); none given:
    # the registry's first head-office department.
    parent: str | None = Field(default=None, pattern=ID)
    # The region it belongs to, as the annual disclosure groups complaints (a branch's city, a province);
    # none given: its own name.
    region: str | None = Field(default=None, max_length=64)

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Registry(BaseModel):
    departments: list[Department]

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.departments]

    @property
    def head_office(self) -> list[str]:
        return [d.id for d in self.departments if d.head_office]

    def reviewer(self, department_id: str) -> str | None:
        """The department that reviews a decision of `department_id` (核查): its parent, else the first
        head-office department other than itself; None when the registry names none."""
        found = self.get(department_id)
        if found is not None and found.parent:
            return found.parent
        return next((d for d in self.head_office if d != department_id), None)

    @model_validator(mode="after")
    def _parents_registered(self) -> "Registry":
        ids = set(self.ids)
        for d in self.departments:
            if d.parent is not None and (d.parent not in ids or d.parent == d.id):
                raise ValueError(f"{d.id}: parent {d.parent!r} is not another registered department")
        return self

    def get(self, department_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def name(self, department_id: str, lang: str) -> str:
        found = self.get(department_id)
        return found.name(lang) if found else department_id


def unknown(department: str, registered: list[str]) -> Reason | None:
    """Why `department` may not be named, or None (an empty list: no registry pinned, nothing to check)."""
    if not registered or department in registered:
        return None
    return why("unknown_department", department=department[:64], departments=", ".join(registered[:30]))


def load(path: Path | None = None) -> Registry:
    """The registry in `path` (TOML, one table per department id); ValueError naming what is wrong. Read once
    per process and file (pages ask for it on every render)."""
    return _load(str(Path(path or DEFAULT).absolute()))


@lru_cache(maxsize=8)
def _load(path: str) -> Registry:
    where = Path(path)
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
        return Registry(departments=[Department(id=key, **value) for key, value in raw.items()])
    except (OSError, tomllib.TOMLDecodeError, TypeError) as e:
        raise ValueError(f"departments file {where}: {e}") from None
    except ValidationError as e:
        raise ValueError(f"departments file {where}: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}") from None
