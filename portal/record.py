"""The person's record as the pages show it: a year × month grid across provinces."""

from dataclasses import dataclass, field

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
