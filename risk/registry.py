"""The rule registry (全规则入系统): every risk rule declared once, with what it needs to run.

A rule names its stable code (spec §7), titles, stage, severity and default parameters, and
how it runs: `batch` finds its hits for one province with set-based SQL (after the fact),
`check` is the in-process test a service calls while handling business (in risk/checks.py).
The database copy of each rule (`RiskRule`) holds the parameters caseworkers may edit.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One finding of a rule: about whom (or which province), for when, and why."""

    province: str
    subject: str  # "person:<id>" or "province:<code>"
    period: str  # "2020", "2020-10..2020-12", "batch:<uuid>" …
    evidence: dict[str, Any]
    person_id: int | None = None

    @classmethod
    def of_person(
        cls, person_id: int, *, province: str, period: str, evidence: dict[str, Any]
    ) -> "Hit":
        """A finding about one person."""
        return cls(
            province=province,
            subject=f"person:{person_id}",
            period=period,
            evidence=evidence,
            person_id=person_id,
        )


@dataclass(frozen=True)
class BatchContext:
    """What a batch detector gets: a slice of persons (ids first..last, inclusive, or only
    the listed `person_ids` of an incremental run; None for a ledger-wide rule), the
    province the run is limited to (None: all), the rule's parameters and the as-of date.

    Slices are disjoint, so a finding about a person is found once, by one slice,
    whichever provinces it spans.
    """

    first_person_id: int | None
    last_person_id: int | None
    province: str | None
    parameters: dict[str, Any]
    as_of: date
    person_ids: list[int] | None = None
    # A piece of an incremental run: a rule may carry forward what the last run kept.
    incremental: bool = False

    @property
    def sql_params(self) -> dict[str, Any]:
        return {
            "first": self.first_person_id,
            "last": self.last_person_id,
            "person_ids": self.person_ids,
            "province": self.province,
            "as_of": self.as_of,
            **self.parameters,
        }

    def persons_sql(self, column: str) -> str:
        """SQL limiting `column` (a person id, written by the detector) to the slice."""
        if self.person_ids is not None:
            return f"{column} = ANY(%(person_ids)s)"
        return f"{column} BETWEEN %(first)s AND %(last)s"


@dataclass(frozen=True)
class RuleSpec:
    code: str
    title_zh: str
    title_en: str
    description: str
    stage: str  # in_process | batch | both
    severity: str  # block | warn | info
    defaults: dict[str, Any] = field(default_factory=dict)
    batch: Callable[[BatchContext], list[Hit]] | None = None
    # Runs once per full run, in a piece of its own, over the whole ledger at once.
    ledger_wide: bool = False
    # Its findings are about persons, so an incremental run screens it for the persons
    # that changed (a ledger-wide rule too, by their ids).
    per_person: bool = True
    # A finding may appear by the passage of time alone (it judges by the as-of date): an
    # incremental run on a later date screens it for everyone.
    time_sensitive: bool = False


REGISTRY: dict[str, RuleSpec] = {}


def rule(spec: RuleSpec) -> RuleSpec:
    """Declare a rule; a code is declared once."""
    if spec.code in REGISTRY:
        raise ValueError(f"rule {spec.code} is declared twice")
    REGISTRY[spec.code] = spec
    return spec


def batch_rules() -> list[RuleSpec]:
    """The rules with a batch detector (declared when the app loads `risk.detectors`)."""
    return [spec for spec in REGISTRY.values() if spec.batch is not None]


def all_rules() -> list[RuleSpec]:
    """Every declared rule, by code."""
    return sorted(REGISTRY.values(), key=lambda spec: spec.code)
