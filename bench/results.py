"""Figures: a measured value, its floor from the same run, the ratio and the target it is held to."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Target:
    """`ratio` compared to the figure's ratio (value / floor): at least it ("higher") or at most it."""

    ratio: float
    direction: Direction

    def met(self, ratio: float) -> bool:
        return ratio >= self.ratio if self.direction == "higher" else ratio <= self.ratio

    def describe(self) -> str:
        return f"{'≥' if self.direction == 'higher' else '≤'} {self.ratio:g}×"


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

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.ratio)

    def shortfall(self) -> str:
        """How far a missed target is: "needs 2.1× faster" style, or "" when met or untargeted."""
        if self.target is None or self.met:
            return ""
        if self.target.direction == "higher":
            return f"missed by {self.target.ratio / self.ratio:.2f}× (ratio {self.ratio:.3g} < {self.target.ratio:g})"
        return f"missed by {self.ratio / self.target.ratio:.2f}× (ratio {self.ratio:.3g} > {self.target.ratio:g})"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        data["target"] = None if self.target is None else {**asdict(self.target), "text": self.target.describe()}
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
