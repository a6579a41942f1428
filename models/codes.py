"""The regulator's statistical codes of a complaint (JR/T 0169-2018): the table a bank configures, and the
analyse stage's proposal from it.

The table is a file (models/regulator_codes.toml by default, a bank's licensed one by CODE_TABLE_FILE).
A proposal is plain word matching, so the evidence a handler sees is the words that proposed each code and a
bank tunes it by editing the file: per dimension, the code with the most distinct words in the text wins, a
tie goes to the code listed first; no word at all gives the channel the complaint came in by (`intake`) or
the dimension's `fallback` code."""
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from models.enums import Channel
from models.policy import CodeIds
from models.state import RegulatorCodes

DEFAULT = Path(__file__).parent / "regulator_codes.toml"
DIMENSIONS = ("channel", "business", "reason")
CODE = r"^[A-Z][A-Z0-9]{0,15}$"


class Code(BaseModel):
    code: str = Field(pattern=CODE)
    zh: str = Field(min_length=1, max_length=64)
    en: str = Field(min_length=1, max_length=64)
    words: list[str] = Field(default_factory=list)
    intake: list[Channel] = Field(default_factory=list)  # channel codes only: an intake channel suggesting it
    fallback: bool = False  # given when no word proposes a code (one per dimension)

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class CodeTable(BaseModel):
    version: str = Field(min_length=1, max_length=64)
    standard: str = ""
    channel: list[Code]
    business: list[Code]
    reason: list[Code]

    @model_validator(mode="after")
    def _well_formed(self) -> "CodeTable":
        for dim in DIMENSIONS:
            codes = [c.code for c in self.codes(dim)]
            if len(set(codes)) != len(codes):
                raise ValueError(f"{dim}: a code is listed twice")
            if sum(c.fallback for c in self.codes(dim)) != 1:
                raise ValueError(f"{dim}: exactly one code must be marked fallback = true")
        return self

    def codes(self, dim: str) -> list[Code]:
        return list(getattr(self, dim))

    def get(self, dim: str, code: str) -> Code | None:
        return next((c for c in self.codes(dim) if c.code == code), None)

    def name(self, dim: str, code: str, lang: str = "zh") -> str:
        found = self.get(dim, code)
        return found.name(lang) if found else code

    def ids(self) -> CodeIds:
        """What a complaint pins: the codes valid when it came in."""
        return CodeIds(table=self.version, **{dim: [c.code for c in self.codes(dim)] for dim in DIMENSIONS})

    def propose(self, text: str, intake: Channel | str | None = None) -> RegulatorCodes:
        chosen, evidence = [], []
        for dim in DIMENSIONS:
            code, words = _best(self.codes(dim), text)
            if code is None and dim == "channel" and intake is not None:
                code = next((c for c in self.codes(dim) if Channel(intake) in c.intake), None)
                words = [f"intake:{Channel(intake).value}"] if code else []
            if code is None:
                code = next(c for c in self.codes(dim) if c.fallback)
            chosen.append(code.code)
            evidence += [f"{code.code}:{w}" for w in words]
        return RegulatorCodes(channel=chosen[0], business=chosen[1], reason=chosen[2], table=self.version,
                              evidence=evidence[:24], proposed=list(chosen))


def _best(codes: list[Code], text: str) -> tuple[Code | None, list[str]]:
    """The code with the most distinct words in `text` (the first listed on a tie), and those words."""
    folded = text.casefold()
    best: tuple[Code | None, list[str]] = (None, [])
    for code in codes:
        found = sorted({w for w in code.words if w.casefold() in folded})
        if len(found) > len(best[1]):
            best = (code, found)
    return best


@lru_cache(maxsize=4)
def load(path: str | Path | None = None) -> CodeTable:
    """The table in `path` (the shipped default when None), read once per process."""
    with Path(path or DEFAULT).open("rb") as f:
        return CodeTable.model_validate(tomllib.load(f))
