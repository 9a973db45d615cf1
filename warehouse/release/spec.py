"""release.yml, read and validated: the one description of the release's tables and columns."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from warehouse.release.hierarchies import HIERARCHIES

Role = Literal["id", "quasi-identifier", "sensitive", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReleaseColumn(_Strict):
    name: str
    role: Role
    type: Literal["string", "integer", "boolean"]
    metric: str | None = None
    description: str | None = None
    hierarchy: str | None = None
    transform: str | None = None
    enum: tuple[str, ...] | None = None
    follows: str | None = None  # table.column whose suppression this sensitive column shares

    @model_validator(mode="after")
    def _described(self) -> "ReleaseColumn":
        if (self.metric is None) == (self.description is None):
            raise ValueError(f"{self.name}: give either `metric` or `description`")
        if (self.role == "quasi-identifier") != (self.hierarchy is not None):
            raise ValueError(f"{self.name}: a quasi-identifier, and only one, names its `hierarchy`")
        if self.hierarchy is not None and self.hierarchy not in HIERARCHIES:
            raise ValueError(f"{self.name}: unknown hierarchy {self.hierarchy!r}")
        return self


class ReleaseTable(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str
    from_: str = Field(alias="from")  # the SQL file beside release.yml that selects the table's rows
    grain: str
    description: str
    primary_key: tuple[str, ...]
    foreign_key: str | None = None  # the table whose release_id this table's refers to
    group_by: tuple[str, ...] = ()  # columns that, with the id's quasi-identifiers, group rows for ℓ-diversity
    columns: tuple[ReleaseColumn, ...]

    def with_role(self, role: str) -> list[ReleaseColumn]:
        return [c for c in self.columns if c.role == role]

    def sql(self) -> str:
        return resources.files("warehouse.release").joinpath(self.from_).read_text(encoding="utf-8")


class ReleaseSpec(_Strict):
    title: str
    tables: tuple[ReleaseTable, ...]

    @model_validator(mode="after")
    def _quasi_identifiers_in_first_table(self) -> "ReleaseSpec":
        # The first table has one row per id and holds every quasi-identifier: an id's signature across the release
        # is its row there (contract §5: k-anonymity across the whole release).
        if any(t.with_role("quasi-identifier") for t in self.tables[1:]):
            raise ValueError("only the first table may hold quasi-identifiers")
        return self

    @property
    def people(self) -> ReleaseTable:
        return self.tables[0]

    def table(self, name: str) -> ReleaseTable:
        (found,) = [t for t in self.tables if t.name == name]
        return found


@cache
def release_spec() -> ReleaseSpec:
    text = resources.files("warehouse.release").joinpath("release.yml").read_text(encoding="utf-8")
    return ReleaseSpec.model_validate(yaml.safe_load(text))
