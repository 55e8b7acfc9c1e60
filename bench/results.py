"""Figures: a measured value, its floor from the same run, the ratio and the target it is held to."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Target:
    """A bound on the figure's ratio (value / floor), or on its value itself (`on="value"`):
    at least `bound` ("higher") or at most it ("lower")."""

    bound: float
    direction: Direction
    on: Literal["ratio", "value"] = "ratio"
    text: str = ""  # how the bound reads in the report, when not a plain ratio

    def met(self, value: float, ratio: float) -> bool:
        measured = ratio if self.on == "ratio" else value
        return measured >= self.bound if self.direction == "higher" else measured <= self.bound

    def describe(self) -> str:
        if self.text:
            return self.text
        return f"{'≥' if self.direction == 'higher' else '≤'} {self.bound:g}x"


@dataclass(frozen=True)
class Figure:
    """One measured figure. `ratio` = value / floor, whatever the unit."""

    key: str  # stable id, e.g. "ingest.sqlite.rows_per_s"
    label: str
    unit: str
    value: float
    floor: float
    floor_label: str
    target: Target | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # p99, errors, repetitions …
    veto: str = ""  # a condition of the target that failed whatever the ratio (e.g. "12 errors")

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return not self.veto and self.target.met(self.value, self.ratio)

    def shortfall(self) -> str:
        """How far a missed target is, or "" when met or untargeted."""
        t = self.target
        if t is None or self.met:
            return ""
        if self.veto:
            return self.veto
        measured = self.ratio if t.on == "ratio" else self.value
        factor = t.bound / measured if t.direction == "higher" else measured / t.bound
        what = "ratio" if t.on == "ratio" else "value"
        return f"missed by {factor:.2f}x ({what} {measured:.3g} vs bound {t.bound:g})"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        data["target"] = (
            None if self.target is None else {**asdict(self.target), "text": self.target.describe()}
        )
        return data


@dataclass
class Report:
    """Everything one run measured, plus the machine and the notes worth printing with it."""

    machine: dict[str, Any]
    options: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)  # figure key → summarised profile

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)

    def as_dict(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "options": self.options,
            "figures": [f.as_dict() for f in self.figures],
            "notes": self.notes,
            "profiles": self.profiles,
        }
