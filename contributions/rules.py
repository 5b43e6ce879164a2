"""Pure rules of the enterprise-employee basic pension (城镇企业职工基本养老保险).

No Django, no database, no clock unless one is passed in: dataclasses and Decimals in,
dataclasses and Decimals out. Section numbers (§) refer to the domain specification; the
readings chosen where the specification leaves a question open are listed in docs/rules.md.

Money is always ``Decimal``. Each money component is computed at full precision and rounded
to fen (0.01) with ROUND_HALF_UP; a total is the sum of its rounded components.
"""

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final, Literal

from stdnum import numdb
from stdnum.cn import ric

# --------------------------------------------------------------------------------------
# Calendar months
# --------------------------------------------------------------------------------------

# ASCII digits only: \d would take full-width and other scripts' digits too.
_MONTH_PATTERN: Final = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month (年月). Contribution records, retirement and transfers are kept by month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be between 1 and 12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be between 1 and 9999, got {self.year}")

    @classmethod
    def parse(cls, text: str) -> "Month":
        """Parse "YYYY-MM", e.g. "2024-07"."""
        match = _MONTH_PATTERN.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"expected a month written as YYYY-MM, got {text!r}")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} is not a month: the month part must be 01 to 12")
        return cls(year, month)

    @classmethod
    def from_date(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> "Month":
        """Inverse of ``index``."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @property
    def index(self) -> int:
        """Months since year 0, so that month arithmetic is integer arithmetic."""
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> "Month":
        """The month ``months`` later (earlier when negative)."""
        return Month.from_index(self.index + months)

    def __add__(self, months: int) -> "Month":
        if not isinstance(months, int):
            return NotImplemented
        return self.plus(months)

    def __sub__(self, months: int) -> "Month":
        if not isinstance(months, int):
            return NotImplemented
        return self.plus(-months)

    def months_until(self, other: "Month") -> int:
        """Whole months from this month to ``other`` (negative if ``other`` is earlier)."""
        return other.index - self.index

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @staticmethod
    def range(start: "Month", end_inclusive: "Month") -> Iterator["Month"]:
        """Every month from ``start`` to ``end_inclusive``; empty if the end is earlier."""
        current = start
        while current <= end_inclusive:
            yield current
            current = current.plus(1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------

FEN: Final = Decimal("0.01")


def round_fen(amount: Decimal | int) -> Decimal:
    """Round to fen (分), half up."""
    if isinstance(amount, float):
        # A float has already lost the exact decimal value; refuse it rather than hide that.
        raise TypeError("money must be a Decimal, not a float")
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------
# Contribution band and contributions (§1)
# --------------------------------------------------------------------------------------

EMPLOYEE_ACCOUNT_RATE: Final = Decimal("0.08")
FLEXIBLE_TOTAL_RATE: Final = Decimal("0.20")
BAND_FLOOR_RATIO: Final = Decimal("0.6")
BAND_CEILING_RATIO: Final = Decimal("3")


class BandRounding(StrEnum):
    """How a province rounds its published band: to whole yuan (Shanghai) or to jiao (Jilin)."""

    YUAN = "yuan"
    JIAO = "jiao"

    @property
    def quantum(self) -> Decimal:
        return Decimal("1") if self is BandRounding.YUAN else Decimal("0.1")


@dataclass(frozen=True)
class ContributionBand:
    """Contribution base floor and ceiling (缴费基数上下限), stored as published."""

    floor: Decimal
    ceiling: Decimal

    def __post_init__(self) -> None:
        if self.floor < 0 or self.floor > self.ceiling:
            raise ValueError(f"invalid band {self.floor}-{self.ceiling}")

    def contains(self, base: Decimal) -> bool:
        return self.floor <= base <= self.ceiling

    def clamp(self, wage: Decimal) -> Decimal:
        """The employee base: the declared wage held inside the band (§1.2)."""
        return min(max(wage, self.floor), self.ceiling)


def contribution_band(
    average_wage: Decimal,
    rounding: BandRounding,
    floor_ratio: Decimal = BAND_FLOOR_RATIO,
    ceiling_ratio: Decimal = BAND_CEILING_RATIO,
) -> ContributionBand:
    """Derive a band from the average monthly wage (全口径平均工资), 60 % to 300 % (§1.3).

    Only for proposals and tests: the portal stores the band as the province publishes it.
    """
    quantum = BandRounding(rounding).quantum
    return ContributionBand(
        floor=(average_wage * floor_ratio).quantize(quantum, rounding=ROUND_HALF_UP),
        ceiling=(average_wage * ceiling_ratio).quantize(quantum, rounding=ROUND_HALF_UP),
    )


@dataclass(frozen=True)
class ContributionSplit:
    """One month's contribution: pooling part (统筹) and personal-account part (个人账户)."""

    base: Decimal
    pooling_part: Decimal
    account_part: Decimal

    @property
    def total(self) -> Decimal:
        return self.pooling_part + self.account_part


class BaseOutOfBand(ValueError):
    """A flexible worker's chosen base lies outside the band (risk rule RK-08)."""

    code = "base_out_of_band"

    def __init__(self, base: Decimal, band: ContributionBand) -> None:
        self.base = base
        self.floor = band.floor
        self.ceiling = band.ceiling
        side = "below the floor" if base < band.floor else "above the ceiling"
        super().__init__(
            f"contribution base {base} is {side}: it must lie between {band.floor} "
            f"and {band.ceiling}"
        )


def _check_rate(name: str, rate: Decimal) -> None:
    if not 0 <= rate <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {rate}")


def employee_contribution(
    *,
    declared_wage: Decimal,
    band: ContributionBand,
    employer_rate: Decimal,
    account_rate: Decimal = EMPLOYEE_ACCOUNT_RATE,
) -> ContributionSplit:
    """An employee's month: employer share to pooling, own 8 % to the personal account.

    The base is the declared wage clamped into the band (§1.3).
    """
    _check_rate("employer_rate", employer_rate)
    _check_rate("account_rate", account_rate)
    base = band.clamp(declared_wage)
    return ContributionSplit(
        base=base,
        pooling_part=round_fen(base * employer_rate),
        account_part=round_fen(base * account_rate),
    )


def flexible_contribution(
    *,
    base: Decimal,
    band: ContributionBand,
    total_rate: Decimal = FLEXIBLE_TOTAL_RATE,
    account_rate: Decimal = EMPLOYEE_ACCOUNT_RATE,
) -> ContributionSplit:
    """A flexible worker's month (灵活就业): 20 % of a chosen base, 8 % of it to the account.

    Flexible workers choose the base, so a base outside the band is refused, not clamped.
    """
    _check_rate("total_rate", total_rate)
    _check_rate("account_rate", account_rate)
    if account_rate > total_rate:
        raise ValueError("account_rate cannot exceed total_rate")
    if not band.contains(base):
        raise BaseOutOfBand(base, band)
    return ContributionSplit(
        base=base,
        pooling_part=round_fen(base * (total_rate - account_rate)),
        account_part=round_fen(base * account_rate),
    )


# --------------------------------------------------------------------------------------
# Personal-account interest (记账利率, §2.3)
# --------------------------------------------------------------------------------------

# Annual method: the year's credits earn r × 1.083 × 1/2, the published approximation of
# the average time-weight 13/24 of twelve monthly credits. 1.083 multiplies the rate.
ANNUAL_CREDIT_WEIGHT: Final = Decimal("1.083") / 2


@dataclass(frozen=True)
class InterestResult:
    interest: Decimal
    closing_balance: Decimal


def _check_interest_inputs(rate: Decimal, monthly_credits: Sequence[Decimal]) -> None:
    if rate < 0:
        raise ValueError(f"the crediting rate cannot be negative, got {rate}")
    if len(monthly_credits) != 12:
        raise ValueError(f"expected 12 monthly credits, got {len(monthly_credits)}")


def _interest_result(opening: Decimal, credits: Decimal, interest: Decimal) -> InterestResult:
    # The closing balance is what gets rounded (§2.3); interest is whatever makes it add up.
    closing = round_fen(opening + credits + interest)
    return InterestResult(interest=closing - opening - credits, closing_balance=closing)


def _credit_interest(monthly_credits: Sequence[Decimal], rate: Decimal, month: int) -> Decimal:
    """Monthly-product interest, at the end of ``month``, on the credits of months 1..month.

    Credits are made at the start of their month, so the credit of month n has earned
    (month - n + 1) months of interest by the end of ``month``.
    """
    product = sum(
        (credit * (month - n + 1) for n, credit in enumerate(monthly_credits[:month], start=1)),
        Decimal(0),
    )
    return rate * product / 12


def interest_annual_method(
    *, opening_balance: Decimal, credits_total: Decimal, rate: Decimal
) -> InterestResult:
    """Year-end interest by the annual method (年度计算法, §2.3 a); used for estimates."""
    if rate < 0:
        raise ValueError(f"the crediting rate cannot be negative, got {rate}")
    interest = opening_balance * rate + credits_total * rate * ANNUAL_CREDIT_WEIGHT
    return _interest_result(opening_balance, credits_total, interest)


def interest_monthly_product(
    *, opening_balance: Decimal, monthly_credits: Sequence[Decimal], rate: Decimal
) -> InterestResult:
    """Year-end interest by the monthly-product method (月积数法, §2.3 b); used by the ledger.

    ``monthly_credits[n - 1]`` is the amount credited in month n.
    """
    return interest_to_month(
        opening_balance=opening_balance, monthly_credits=monthly_credits, rate=rate, month=12
    )


def interest_to_month(
    *, opening_balance: Decimal, monthly_credits: Sequence[Decimal], rate: Decimal, month: int
) -> InterestResult:
    """The account at the end of ``month`` of a year cut short by a transfer or retirement.

    Opening balance × r × m/12, plus monthly-product interest on the credits of months
    1..m, the credit of month n weighted (m - n + 1)/12. At m = 12 this is exactly the
    full-year monthly-product method. Credits after month m lie beyond the cut and are
    left out of both the interest and the closing balance.
    """
    _check_interest_inputs(rate, monthly_credits)
    if not 1 <= month <= 12:
        raise ValueError(f"month must be between 1 and 12, got {month}")
    interest = opening_balance * rate * month / 12 + _credit_interest(monthly_credits, rate, month)
    credits = sum(monthly_credits[:month], Decimal(0))
    return _interest_result(opening_balance, credits, interest)


# --------------------------------------------------------------------------------------
# Statutory retirement age reform (§6)
# --------------------------------------------------------------------------------------

REFORM_START: Final = Month(2025, 1)
FLEXIBLE_WINDOW_MONTHS: Final = 36


Sex = Literal["M", "F"]


def sex_code(value: str) -> Sex:
    """A sex code read from the ledger or a form: M or F."""
    if value == "M":
        return "M"
    if value == "F":
        return "F"
    raise ValueError(f"sex is M or F, not {value!r}")


class RetirementCategory(StrEnum):
    """Original statutory age: men 60, women 55 (cadres, flexible), women 50 (workers)."""

    M60 = "M60"
    F55 = "F55"
    F50 = "F50"

    @property
    def schedule(self) -> "RetirementSchedule":
        return RETIREMENT_SCHEDULES[self]


@dataclass(frozen=True)
class RetirementSchedule:
    """The NPCSC 2024 schedule for one category: +1 month every ``step_months``."""

    original_age_years: int
    step_months: int
    max_delay_months: int


RETIREMENT_SCHEDULES: Final = {
    RetirementCategory.M60: RetirementSchedule(60, 4, 36),
    RetirementCategory.F55: RetirementSchedule(55, 4, 36),
    RetirementCategory.F50: RetirementSchedule(50, 2, 60),
}


@dataclass(frozen=True)
class StatutoryRetirement:
    month: Month
    age_months: int
    delay_months: int


def _original_retirement(birth_month: Month, category: RetirementCategory) -> Month:
    """The month of the original statutory age (60 / 55 / 50), before the reform."""
    return birth_month + RetirementCategory(category).schedule.original_age_years * 12


def statutory_retirement(
    *, birth_month: Month, category: RetirementCategory
) -> StatutoryRetirement:
    """Statutory retirement month after the 2025 reform (法定退休年龄, §6.2).

    Someone whose original retirement month falls k months after 2025-01 (k >= 0) is
    delayed by floor(k / step) + 1 months, up to the category's maximum.
    """
    schedule = RetirementCategory(category).schedule
    original = _original_retirement(birth_month, category)
    k = REFORM_START.months_until(original)
    delay = 0 if k < 0 else min(schedule.max_delay_months, k // schedule.step_months + 1)
    return StatutoryRetirement(
        month=original + delay,
        age_months=schedule.original_age_years * 12 + delay,
        delay_months=delay,
    )


def flexible_window(*, birth_month: Month, category: RetirementCategory) -> tuple[Month, Month]:
    """Earliest and latest month of flexible retirement (弹性退休, §6.4).

    Up to 36 months early but never before the original age; up to 36 months late.
    """
    statutory = statutory_retirement(birth_month=birth_month, category=category).month
    earliest = max(statutory - FLEXIBLE_WINDOW_MONTHS, _original_retirement(birth_month, category))
    return earliest, statutory + FLEXIBLE_WINDOW_MONTHS


def minimum_contribution_months(retirement_year: int) -> int:
    """Minimum contribution months for a monthly pension (最低缴费年限, §6.3).

    15 years until 2029, then 6 more months each year up to 20 years from 2039; keyed by
    the calendar year of actual retirement.
    """
    if retirement_year < 2030:
        return 180
    return min(240, 180 + 6 * (retirement_year - 2029))


# --------------------------------------------------------------------------------------
# Monthly pension (基本养老金, §5)
# --------------------------------------------------------------------------------------

# Months divisor by age at retirement (计发月数, 国发〔2005〕38号 annex).
MONTHS_DIVISOR: Final[dict[int, int]] = {
    40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 208,
    48: 204, 49: 199, 50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170,
    56: 164, 57: 158, 58: 152, 59: 145, 60: 139, 61: 132, 62: 125, 63: 117,
    64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65, 70: 56,
}  # fmt: skip

INDEX_PLACES: Final = 4


class DivisorMode(StrEnum):
    """Divisor for an age with months: the completed whole age, or interpolated by month."""

    COMPLETED_AGE = "completed_age"
    LINEAR_INTERPOLATION = "linear_interpolation"


def months_divisor(age_months: int, mode: DivisorMode = DivisorMode.COMPLETED_AGE) -> Decimal:
    """Months divisor for an age given in months (§5.3). Age 70 and above uses 56."""
    years, extra = divmod(age_months, 12)
    if years < min(MONTHS_DIVISOR):
        raise ValueError(f"no months divisor below age 40, got {years} years")
    if years >= max(MONTHS_DIVISOR):
        return Decimal(MONTHS_DIVISOR[max(MONTHS_DIVISOR)])
    lower = Decimal(MONTHS_DIVISOR[years])
    if DivisorMode(mode) is DivisorMode.COMPLETED_AGE or extra == 0:
        return lower
    upper = Decimal(MONTHS_DIVISOR[years + 1])
    return lower + (upper - lower) * extra / 12


def average_index(
    *,
    months: Sequence[tuple[Decimal, Decimal]],
    deemed_months: int = 0,
    deemed_index: Decimal = Decimal(1),
    places: int | None = INDEX_PLACES,
) -> Decimal:
    """Average contribution index (平均缴费工资指数, §5.2).

    ``months`` holds one (base, applicable average monthly wage) pair per actual month;
    deemed months (视同缴费) count at ``deemed_index``. Rounded half up to ``places``
    decimals (4, as printed on a statement); ``places=None`` returns the exact value.
    """
    if deemed_months < 0:
        raise ValueError("deemed_months cannot be negative")
    if any(wage <= 0 for _, wage in months):
        raise ValueError("every applicable average wage must be positive")
    total_months = deemed_months + len(months)
    if total_months == 0:
        raise ValueError("an average index needs at least one month")
    index_sum = sum((base / wage for base, wage in months), Decimal(0))
    exact = (deemed_index * deemed_months + index_sum) / total_months
    if places is None:
        return exact
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def basic_pension(
    *, pension_base: Decimal, average_index: Decimal, contribution_months: int
) -> Decimal:
    """Basic pension (基础养老金): P × (1 + I) / 2 × N/12 × 1 % (§5.2)."""
    if contribution_months < 0 or average_index < 0:
        raise ValueError("contribution months and the average index cannot be negative")
    # One division at the end keeps the product exact until the single rounding.
    return round_fen(pension_base * (1 + average_index) * contribution_months / 2400)


def account_pension(
    *, balance: Decimal, age_months: int, mode: DivisorMode = DivisorMode.COMPLETED_AGE
) -> Decimal:
    """Personal-account pension (个人账户养老金): balance / months divisor (§5.3)."""
    return round_fen(balance / months_divisor(age_months, mode))


def transitional_pension(
    *, pension_base: Decimal, index: Decimal, deemed_months: int, coefficient: Decimal
) -> Decimal:
    """Transitional pension (过渡性养老金): P_t × I_t × deemed years × c (§5.4)."""
    if deemed_months < 0:
        raise ValueError("deemed_months cannot be negative")
    return round_fen(pension_base * index * deemed_months * coefficient / 12)


@dataclass(frozen=True)
class PensionEstimate:
    basic: Decimal
    account: Decimal
    transitional: Decimal
    divisor: Decimal

    @property
    def total(self) -> Decimal:
        return self.basic + self.account + self.transitional


def pension_estimate(
    *,
    pension_base: Decimal,
    average_index: Decimal,
    contribution_months: int,
    account_balance: Decimal,
    age_months: int,
    divisor_mode: DivisorMode = DivisorMode.COMPLETED_AGE,
    deemed_months: int = 0,
    transitional_coefficient: Decimal = Decimal(0),
    transitional_index: Decimal | None = None,
) -> PensionEstimate:
    """Monthly pension at retirement (§5.1). Provincial supplements are out of scope.

    ``contribution_months`` includes deemed months. The transitional part uses
    ``transitional_index`` when the province has one, else the average index.
    """
    return PensionEstimate(
        basic=basic_pension(
            pension_base=pension_base,
            average_index=average_index,
            contribution_months=contribution_months,
        ),
        account=account_pension(balance=account_balance, age_months=age_months, mode=divisor_mode),
        transitional=transitional_pension(
            pension_base=pension_base,
            index=average_index if transitional_index is None else transitional_index,
            deemed_months=deemed_months,
            coefficient=transitional_coefficient,
        ),
        divisor=months_divisor(age_months, divisor_mode),
    )


def is_entitled(contribution_months: int, retirement_year: int) -> bool:
    """Whether the contribution months reach the minimum for a monthly pension (§5.1, §6.3)."""
    return contribution_months >= minimum_contribution_months(retirement_year)


# --------------------------------------------------------------------------------------
# Resident ID number (公民身份号码, GB 11643-1999, §8)
# --------------------------------------------------------------------------------------

# Province-level codes (GB/T 2260) plus 66, the social-insurance pooling code of the XPCC.
PROVINCE_CODES: Final[dict[str, tuple[str, str]]] = {
    "11": ("北京市", "Beijing"),
    "12": ("天津市", "Tianjin"),
    "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"),
    "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"),
    "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"),
    "35": ("福建省", "Fujian"),
    "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"),
    "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"),
    "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Tibet (Xizang)"),
    "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"),
    "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"),
    "66": ("新疆生产建设兵团", "Xinjiang Production and Construction Corps (XPCC)"),
}

# XPCC residents' ID numbers use 65xxxx address codes, so 66 never validates an ID.
ID_PROVINCE_CODES: Final = frozenset(PROVINCE_CODES) - {"66"}

EARLIEST_BIRTH_DATE: Final = date(1900, 1, 1)
# China has kept UTC+8 without daylight saving since 1991; "today" is China's today.
CHINA_TIME: Final = timezone(timedelta(hours=8), "CST")
_ID_PATTERN: Final = re.compile(r"\d{17}[\dX]")


@dataclass(frozen=True)
class IdNumberIssue:
    """One finding; ``code`` is stable (format, province, date, future_date, ...)."""

    code: str
    message: str


@dataclass(frozen=True)
class IdNumberCheck:
    number: str  # normalised: no whitespace, upper-case X
    errors: list[IdNumberIssue] = field(default_factory=list)
    warnings: list[IdNumberIssue] = field(default_factory=list)
    birth_date: date | None = None
    sex: Literal["M", "F"] | None = None
    province_code: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def error_codes(self) -> list[str]:
        return [issue.code for issue in self.errors]


def _birth_date(number: str) -> date | None:
    # Digits 7-14 (YYYYMMDD) of a number that already matched the pattern.
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _province_errors(number: str) -> list[IdNumberIssue]:
    if number[:2] in ID_PROVINCE_CODES:
        return []
    return [IdNumberIssue("province", f"{number[:2]} is not a province code used in ID numbers")]


def _date_errors(birth: date | None, number: str, today: date) -> list[IdNumberIssue]:
    if birth is None:
        return [IdNumberIssue("date", f"{number[6:14]} is not a real calendar date")]
    if birth > today:
        return [IdNumberIssue("future_date", f"birth date {birth} is in the future")]
    return []


def _checksum_errors(number: str) -> list[IdNumberIssue]:
    expected = ric.calc_check_digit(number)
    if number[-1] == expected:
        return []
    return [IdNumberIssue("checksum", f"check digit is {number[-1]}, expected {expected}")]


def _early_date_warnings(birth: date | None) -> list[IdNumberIssue]:
    # §8.3 rejects dates before 1900, yet its own vector ID-02 (born 1880) is valid: such a
    # number is well formed but implausible for a living contributor, so it goes to review.
    if birth is None or birth >= EARLIEST_BIRTH_DATE:
        return []
    return [IdNumberIssue("date_too_early", f"birth date {birth} is before 1900-01-01")]


@functools.lru_cache(maxsize=8192)  # some 3,000 county codes; a batch repeats them
def _county_listed(address_code: str) -> bool:
    return any("county" in props for _, props in numdb.get("cn/loc").info(address_code))


def _address_warnings(number: str) -> list[IdNumberIssue]:
    # Historic and abolished codes are legitimate, so an unknown county is only a warning.
    if _county_listed(number[:6]):
        return []
    return [IdNumberIssue("address_code", f"address code {number[:6]} is not in GB/T 2260")]


def _id_warnings(number: str, birth: date | None, *, province_known: bool) -> list[IdNumberIssue]:
    warnings = _early_date_warnings(birth)
    if province_known:
        warnings += _address_warnings(number)
    return warnings


def check_id_number(value: str, *, today: date, with_warnings: bool = True) -> IdNumberCheck:
    """Validate an 18-digit resident ID number and derive birth date, sex and province (§8.3).

    Every applicable error is reported, so a number can fail on both date and province.
    Warnings (unlisted address codes, early dates) cost a table lookup; screening, which
    needs only validity, leaves them out.
    """
    number = "".join(value.split()).upper()
    if not _ID_PATTERN.fullmatch(number):
        message = "an ID number is 17 digits followed by a digit or X"
        return IdNumberCheck(number=number, errors=[IdNumberIssue("format", message)])
    birth = _birth_date(number)
    province_errors = _province_errors(number)
    return IdNumberCheck(
        number=number,
        errors=[*province_errors, *_date_errors(birth, number, today), *_checksum_errors(number)],
        warnings=(
            _id_warnings(number, birth, province_known=not province_errors) if with_warnings else []
        ),
        birth_date=birth,
        sex="M" if int(number[16]) % 2 == 1 else "F",
        province_code=None if province_errors else number[:2],
    )


def convert_legacy_id(value: str) -> str:
    """Convert a 15-digit legacy ID (historic records only) to 18 digits (§8.3).

    The legacy number has a two-digit year of birth in the 1900s and no check digit.
    """
    number = "".join(value.split())
    if not re.fullmatch(r"\d{15}", number):
        raise ValueError("a legacy ID number is exactly 15 digits")
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


# --------------------------------------------------------------------------------------
# Gaps in the record (统一提醒, docs/rules.md)
# --------------------------------------------------------------------------------------

# How long a flexible worker may still pay a missed month, where the province's policy says
# nothing else (docs/rules.md).
DEFAULT_FLEXIBLE_PAYMENT_WINDOW_MONTHS: Final = 12


class GapKind(StrEnum):
    """Why a month holds no contribution, and whether it can still be paid."""

    EMPLOYER_ARREARS = "employer_arrears"  # payable: the employer owes it (欠费)
    PAYABLE_BY_PERSON = "payable_by_person"  # payable: a flexible worker, within the window
    WINDOW_CLOSED = "window_closed"  # closed: a flexible month past the window
    NOT_INSURED = "not_insured"  # closed: no enrolment anywhere that month
    NOT_YET_POSTED = "not_yet_posted"  # explained: after the province's latest posting
    TRANSFER_IN_PROGRESS = "transfer_in_progress"  # explained: being settled by a transfer
    DEEMED_SERVICE = "deemed_service"  # explained: counted as deemed service (视同缴费)

    @property
    def payable(self) -> bool:
        return self in (GapKind.EMPLOYER_ARREARS, GapKind.PAYABLE_BY_PERSON)

    @property
    def closed(self) -> bool:
        return self in (GapKind.WINDOW_CLOSED, GapKind.NOT_INSURED)


@dataclass(frozen=True)
class Stint:
    """An enrolment as the gap rule sees it: where, how, from and until which month."""

    province: str
    scheme: str  # "employee" or "flexible"
    employer: str
    first: Month
    last: Month | None  # None while it runs


@dataclass(frozen=True)
class GapMonth:
    month: Month
    kind: GapKind
    province: str = ""
    employer: str = ""
    payable_until: Month | None = None


def classify_gap(
    month: Month,
    *,
    stints: Sequence[Stint],
    posted_up_to: dict[str, Month | None],
    window_months: dict[str, int],
    transfers_from: frozenset[str],
    deemed_until: Month | None,
    today: Month,
) -> GapMonth:
    """Why `month`, paid nowhere, is missing, and what can still be done about it.

    Deemed service explains months it covers; a month after the province's latest posting
    is not a gap yet; a month of an enrolment whose province is sending a transfer is being
    settled; an employee's month is the employer's arrears, payable until collected; a
    flexible worker's month is payable within the province's window, closed after it; a
    month in no enrolment is closed.
    """
    if deemed_until is not None and month <= deemed_until:
        return GapMonth(month, GapKind.DEEMED_SERVICE)
    stint = next(
        (s for s in stints if s.first <= month and (s.last is None or month <= s.last)), None
    )
    if stint is None:
        return GapMonth(month, GapKind.NOT_INSURED)
    province, employer = stint.province, stint.employer
    latest = posted_up_to.get(province)
    if latest is None or month > latest:
        return GapMonth(month, GapKind.NOT_YET_POSTED, province, employer)
    if province in transfers_from:
        return GapMonth(month, GapKind.TRANSFER_IN_PROGRESS, province, employer)
    if stint.scheme == "employee":
        return GapMonth(month, GapKind.EMPLOYER_ARREARS, province, employer)
    until = month + window_months.get(province, DEFAULT_FLEXIBLE_PAYMENT_WINDOW_MONTHS)
    kind = GapKind.PAYABLE_BY_PERSON if today <= until else GapKind.WINDOW_CLOSED
    return GapMonth(month, kind, province, employer, payable_until=until)


@dataclass(frozen=True)
class GapRun:
    """Consecutive missing months with the same reason, where and until."""

    first: Month
    last: Month
    kind: GapKind
    province: str
    employer: str
    payable_until: Month | None  # of the run's last month

    @property
    def months(self) -> int:
        return self.first.months_until(self.last) + 1


def gap_runs(months: Sequence[GapMonth]) -> list[GapRun]:
    """Group classified months (in order) into runs of one reason, province and employer."""
    runs: list[GapRun] = []
    for gap in months:
        previous = runs[-1] if runs else None
        if (
            previous is not None
            and previous.last + 1 == gap.month
            and (previous.kind, previous.province, previous.employer)
            == (gap.kind, gap.province, gap.employer)
        ):
            runs[-1] = GapRun(
                previous.first, gap.month, gap.kind, gap.province, gap.employer, gap.payable_until
            )
        else:
            runs.append(
                GapRun(
                    gap.month, gap.month, gap.kind, gap.province, gap.employer, gap.payable_until
                )
            )
    return runs


# --------------------------------------------------------------------------------------
# Projecting a record to retirement (the person's estimate, §5, docs/rules.md)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """What the future is assumed to bring; every figure is the person's to change."""

    retirement: Month
    base_index: Decimal  # future contribution base ÷ the average wage of the year
    wage_growth: Decimal  # yearly growth of average wages and of the pension base
    crediting_rate: Decimal  # yearly crediting rate of the personal account


@dataclass(frozen=True)
class Projection:
    retirement: Month
    future_months: int
    contribution_months: int
    average_index: Decimal
    pension_base: Decimal
    account_balance: Decimal
    age_months: int
    estimate: PensionEstimate
    entitled: bool
    minimum_months: int


def project_pension(
    *,
    history: Sequence[tuple[Decimal, Decimal]],
    deemed_months: int,
    balance_now: Decimal,
    now: Month,
    birth_month: Month,
    average_wage_now: Decimal,
    pension_base_now: Decimal,
    transitional_coefficient: Decimal,
    assumptions: Assumptions,
) -> Projection:
    """The monthly pension at `assumptions.retirement` if the person goes on contributing
    every month from next month until the month before it (§5.1-§5.4).

    `history` holds one (base, average monthly wage of its province and year) pair per month
    paid. Future months contribute at `base_index` times the average wage, which grows by
    `wage_growth` each calendar year, as does the pension base P; 8 % of each base goes to the
    personal account, which earns `crediting_rate` a year on its balance and on each credit
    from its month on (the monthly-product method, §2.3).
    """
    retirement = assumptions.retirement
    growth, rate = 1 + assumptions.wage_growth, assumptions.crediting_rate
    future = [now + n for n in range(1, max(now.months_until(retirement), 0))]
    pairs = list(history)
    balance = balance_now
    for year in sorted({month.year for month in future}):
        months = [month for month in future if month.year == year]
        wage = average_wage_now * growth ** (year - now.year)
        credits = [round_fen(assumptions.base_index * wage * EMPLOYEE_ACCOUNT_RATE)] * len(months)
        pairs += [(assumptions.base_index * wage, wage)] * len(months)
        # The year's months to come, counted from the first of them: the balance earns k
        # months of interest, each credit the months from its own to the last (§2.3 b).
        k = len(months)
        balance = interest_to_month(
            opening_balance=balance,
            monthly_credits=credits + [Decimal(0)] * (12 - k),
            rate=rate,
            month=k,
        ).closing_balance
    contribution_months = len(pairs) + deemed_months
    index = (
        average_index(months=pairs, deemed_months=deemed_months)
        if contribution_months
        else Decimal(0)
    )
    pension_base = round_fen(pension_base_now * growth ** (retirement.year - now.year))
    age_months = birth_month.months_until(retirement)
    estimate = pension_estimate(
        pension_base=pension_base,
        average_index=index,
        contribution_months=contribution_months,
        account_balance=balance,
        age_months=age_months,
        deemed_months=deemed_months,
        transitional_coefficient=transitional_coefficient,
    )
    minimum = minimum_contribution_months(retirement.year)
    return Projection(
        retirement=retirement,
        future_months=len(future),
        contribution_months=contribution_months,
        average_index=index,
        pension_base=pension_base,
        account_balance=balance,
        age_months=age_months,
        estimate=estimate,
        entitled=contribution_months >= minimum,
        minimum_months=minimum,
    )
