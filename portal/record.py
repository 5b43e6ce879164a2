"""The person's record as the pages show it: a year × month grid across provinces."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from contributions.models import ContributionKind
from contributions.rules import Month
from contributions.selectors import RecordEntry

# Provinces take colours in the order the person first paid there; each also has its code
# as a text label, so colour is never the only sign.
PALETTE_SIZE = 8


@dataclass
class Cell:
    """One month of the grid: the records standing for it, and what else happened to it."""

    month: Month
    entries: list[RecordEntry] = field(default_factory=list)
    corrected: bool = False  # a record of this month was reversed
    colour: int | None = None  # of the first province paid, when paid

    @property
    def provinces(self) -> list[str]:
        return sorted({entry.province for entry in self.entries})

    @property
    def back_payment(self) -> bool:
        return any(entry.kind == ContributionKind.BACK_PAYMENT for entry in self.entries)

    @property
    def temporary_account(self) -> bool:
        return any(entry.is_temporary_account for entry in self.entries)

    @property
    def overlap(self) -> bool:
        """Paid in two provinces at once (重复缴费): cleaned after a transfer."""
        return len(self.provinces) > 1


@dataclass
class GridYear:
    year: int
    cells: list[Cell]


@dataclass
class RecordGrid:
    years: list[GridYear]
    colours: dict[str, int]  # province code → palette index


def record_grid(entries: list[RecordEntry], *, until: Month) -> RecordGrid:
    """Years from the first recorded month to `until`, newest first, twelve cells each."""
    colours: dict[str, int] = {}
    cells: dict[Month, Cell] = {}
    for entry in entries:
        cell = cells.setdefault(entry.month, Cell(entry.month))
        if entry.stands:
            cell.entries.append(entry)
            colours.setdefault(entry.province, len(colours) % PALETTE_SIZE)
        else:
            cell.corrected = True
    if not cells:
        return RecordGrid([], {})
    for cell in cells.values():
        if cell.entries:
            cell.colour = colours[cell.provinces[0]]
    first = min(cells)
    years = [
        GridYear(
            year,
            [cells.get(Month(year, month), Cell(Month(year, month))) for month in range(1, 13)],
        )
        for year in range(max(until.year, max(cells).year), first.year - 1, -1)
    ]
    return RecordGrid(years, colours)


@dataclass
class CareerBar:
    """One province in one year: months paid there and the average base index."""

    province: str
    colour: int
    months: int
    index: Decimal | None  # None when the year's average wage is not on file


@dataclass
class CareerYear:
    year: int
    bars: list[CareerBar]

    @property
    def months(self) -> int:
        return sum(bar.months for bar in self.bars)


def career_picture(
    entries: list[RecordEntry],
    *,
    wages: dict[tuple[str, int], Decimal],
    colours: dict[str, int],
    until: Month,
) -> list[CareerYear]:
    """Year by year from the first recorded year to `until`, oldest first: in each province
    paid, the months and the base as an index of that province's average wage."""
    indexes: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    months: dict[tuple[int, str], int] = defaultdict(int)
    for entry in entries:
        if entry.stands:
            key = (entry.month.year, entry.province)
            months[key] += 1
            wage = wages.get((entry.province, entry.month.year))
            if wage:
                indexes[key].append(entry.base / wage)
    if not months:
        return []
    first = min(year for year, _ in months)
    return [
        CareerYear(
            year,
            [
                CareerBar(
                    province,
                    colours.get(province, 0),
                    count,
                    (sum(indexes[year, province]) / len(indexes[year, province])).quantize(
                        Decimal("0.01")
                    )
                    if indexes[year, province]
                    else None,
                )
                for (bar_year, province), count in sorted(months.items())
                if bar_year == year
            ],
        )
        for year in range(first, until.year + 1)
    ]
