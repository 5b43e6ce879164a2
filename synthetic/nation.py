"""A synthetic nation: a deterministic insured population for demos and load tests.

Pure generation, no Django and no database: persons with valid resident ID numbers,
employers with valid unified social credit codes, careers made of enrolment spans across
provinces, and the monthly contribution amounts of each span. Every random draw comes from
one ``random.Random(seed)`` in a fixed order, so the same size, seed, as-of month and policy
table give the same nation. Amounts come from the rules in ``rules.py``.

The ledger starts in 1998-01, when personal accounts were unified nationally (国发〔1997〕26
号); earlier service counts as deemed contribution (视同缴费) and has no monthly record.
"""

import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from typing import Final

from stdnum.cn import ric, uscc

from contributions.rules import (
    BandRounding,
    ContributionBand,
    ContributionSplit,
    Month,
    RetirementCategory,
    contribution_band,
    employee_contribution,
    flexible_contribution,
    minimum_contribution_months,
    statutory_retirement,
)

LEDGER_START: Final = Month(1998, 1)
# Temporary accounts exist since 国办发〔2009〕66号 took effect (spec §3.4).
TEMPORARY_ACCOUNT_START: Final = Month(2010, 1)
BIRTH_YEARS: Final = (1960, 2004)
START_AGE_MONTHS: Final = (18 * 12, 25 * 12)
# Age at which a move to a non-hukou province opens a temporary account (spec §3.4).
TEMPORARY_ACCOUNT_AGE_MONTHS: Final = {"M": 50 * 12, "F": 40 * 12}

EMPLOYEE: Final = "employee"
FLEXIBLE: Final = "flexible"
REGULAR: Final = "regular"
BACK_PAYMENT: Final = "back_payment"

# --------------------------------------------------------------------------------------
# Provinces
# --------------------------------------------------------------------------------------

# Hukou provinces, weighted by population (2020 census, millions). XPCC residents hold 65
# ID numbers, so 66 is never a hukou province.
HUKOU_WEIGHTS: Final[dict[str, int]] = {
    "11": 22, "12": 14, "13": 75, "14": 35, "15": 24, "21": 43, "22": 24, "23": 31,
    "31": 25, "32": 85, "33": 65, "34": 61, "35": 42, "36": 45, "37": 102, "41": 99,
    "42": 58, "43": 66, "44": 126, "45": 50, "46": 10, "50": 32, "51": 84, "52": 39,
    "53": 47, "54": 4, "61": 40, "62": 25, "63": 6, "64": 7, "65": 26,
}  # fmt: skip

# Where people move for work: weighted toward the big coastal labour markets.
WORK_WEIGHTS: Final[dict[str, int]] = {
    "11": 60, "12": 20, "13": 30, "14": 15, "15": 10, "21": 20, "22": 10, "23": 10,
    "31": 70, "32": 90, "33": 90, "34": 25, "35": 40, "36": 20, "37": 50, "41": 35,
    "42": 30, "43": 25, "44": 150, "45": 15, "46": 8, "50": 25, "51": 35, "52": 12,
    "53": 12, "54": 2, "61": 20, "62": 6, "63": 3, "64": 3, "65": 10, "66": 3,
}  # fmt: skip

PROVINCES: Final = tuple(WORK_WEIGHTS)

# Registration region of XPCC employers: Shihezi, a corps-administered city (6590xx).
XPCC_REGION: Final = "659001"


def _short_name(name_zh: str) -> str:
    return re.sub(r"(壮族|回族|维吾尔)?自治区$|省$|市$", "", name_zh)


# --------------------------------------------------------------------------------------
# Check characters
# --------------------------------------------------------------------------------------

_ORGANISATION_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(body: str) -> str:
    """Check character of a resident ID number, as the ledger validates it (python-stdnum)."""
    return ric.calc_check_digit(body + "0")


def organisation_code_check(body: str) -> str:
    """Check character of the embedded organisation code (GB 11714, modulus 11)."""
    total = sum(int(d) * w for d, w in zip(body, _ORGANISATION_WEIGHTS, strict=True))
    value = -total % 11
    return "X" if value == 10 else str(value)


# --------------------------------------------------------------------------------------
# Policy parameters
# --------------------------------------------------------------------------------------

ANNUAL_WAGE_GROWTH: Final = Decimal("1.07")
NATIONAL_DEFAULT_WAGE: Final = (2024, Decimal(7000))


@dataclass(frozen=True)
class SyntheticPolicy:
    """A derived (province, year) policy row: A and its 60 % / 300 % band."""

    province: str
    year: int
    average_wage: Decimal
    band: ContributionBand


def synthetic_policies(
    *,
    known_wages: Mapping[tuple[str, int], Decimal],
    provinces: Iterable[str],
    years: Iterable[int],
) -> list[SyntheticPolicy]:
    """Policy rows for every (province, year) that ``known_wages`` lacks; known ones are kept.

    A grows 7 % a year from the province's nearest known year (the earlier one on a tie),
    or from a national 7 000 yuan in 2024 where the province has none; the band is 60 % /
    300 % of A, to the yuan.
    """
    years = list(years)
    rows = []
    for province in provinces:
        known = sorted(year for code, year in known_wages if code == province)
        for year in years:
            if (province, year) in known_wages:
                continue
            if known:
                anchor = min(known, key=lambda k: (abs(k - year), k))  # noqa: B023
                anchor_wage = known_wages[(province, anchor)]
            else:
                anchor, anchor_wage = NATIONAL_DEFAULT_WAGE
            wage = (anchor_wage * ANNUAL_WAGE_GROWTH ** (year - anchor)).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
            band = contribution_band(wage, BandRounding.YUAN)
            rows.append(SyntheticPolicy(province, year, wage, band))
    return rows


@dataclass(frozen=True)
class Policy:
    """What one month's contribution needs from a province's policy of that year."""

    average_wage: Decimal
    band: ContributionBand
    employer_rate: Decimal
    employee_rate: Decimal
    flexible_total_rate: Decimal
    flexible_account_rate: Decimal


# --------------------------------------------------------------------------------------
# The nation
# --------------------------------------------------------------------------------------

SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶"
)
MALE_GIVEN: Final = "伟强磊军洋勇杰涛明超刚平辉鹏华建国志文斌宇浩峰晨阳俊凯健亮"
FEMALE_GIVEN: Final = "芳娜敏静丽艳娟秀英慧巧美桂兰霞玉萍红婷雪琳颖洁燕倩丹蓉"
EMPLOYER_BRANDS: Final = (
    "鑫源", "恒通", "瑞丰", "永盛", "金鼎", "天成", "博远", "新元", "嘉禾", "同创",
    "安泰", "众合", "立信", "德润", "华远", "宏达", "盛世", "东方", "长江", "银河",
)  # fmt: skip
EMPLOYER_TRADES: Final = (
    "科技", "建设", "物流", "食品", "电子", "贸易", "机械", "纺织", "医药", "商贸",
    "餐饮", "物业", "汽车", "能源", "印刷", "家具",
)  # fmt: skip

PERSONS_PER_EMPLOYER: Final = 25
MIN_EMPLOYERS_PER_PROVINCE: Final = 2
DEATH_RATE: Final = 0.02
CADRE_SHARE: Final = 0.2  # women retiring at 55 as cadres (Decisions: retirement category)


@dataclass(frozen=True)
class EmployerSeed:
    index: int
    uscc: str
    name: str
    province: str


@dataclass
class Span:
    """One enrolment: months ``start`` to ``end`` (Month.index, inclusive) in one province."""

    province: str
    scheme: str
    employer: int | None  # index into Nation.employers; None for flexible employment
    start: int
    end: int
    is_temporary_account: bool
    # Declared wage (employee) or chosen base (flexible) as a multiple of the province's
    # average wage; the band clamps it, so a flexible 0 means "the floor".
    wage_level: float
    back_paid_months: int = 0  # the first months were paid late (补缴) ...
    back_paid_in: int = 0  # ... in this month (Month.index)
    status: str = "closed"


@dataclass
class PersonSeed:
    index: int
    id_number: str
    name: str
    birth_date: date
    sex: str
    hukou_province: str
    retirement_category: str
    status: str
    retired_on: date | None
    died_on: date | None
    spans: list[Span] = field(default_factory=list)
    # Months of service before LEDGER_START, in the province of the first span.
    deemed_months: int = 0


@dataclass(frozen=True)
class Segment:
    """Months ``first`` to ``last`` of a span that share their amounts and kind."""

    first: int
    last: int
    split: ContributionSplit
    kind: str
    paid_in: int | None  # back-payments: the month paid; None: paid in the month itself


def span_segments(span: Span, policies: Mapping[tuple[str, int], Policy]) -> Iterator[Segment]:
    """The span's months, cut at each year (new band) and at the end of a back-payment."""
    back_end = span.start + span.back_paid_months - 1
    for year in range(span.start // 12, span.end // 12 + 1):
        first, last = max(span.start, year * 12), min(span.end, year * 12 + 11)
        split = contribution_for(span, policies[(span.province, year)])
        if first <= back_end:
            yield Segment(first, min(last, back_end), split, BACK_PAYMENT, span.back_paid_in)
            first = back_end + 1
        if first <= last:
            yield Segment(first, last, split, REGULAR, None)


def contribution_for(span: Span, policy: Policy) -> ContributionSplit:
    """One month of the span under the year's policy, computed by the rules."""
    wage = Decimal(round(span.wage_level * float(policy.average_wage)))
    if span.scheme == EMPLOYEE:
        return employee_contribution(
            declared_wage=wage,
            band=policy.band,
            employer_rate=policy.employer_rate,
            account_rate=policy.employee_rate,
        )
    # A flexible worker picks a base inside the band; clamping the wish puts it there.
    return flexible_contribution(
        base=policy.band.clamp(wage),
        band=policy.band,
        total_rate=policy.flexible_total_rate,
        account_rate=policy.flexible_account_rate,
    )


class Nation:
    """A synthetic population of ``persons`` people as of the month ``as_of``.

    ``employers`` is drawn on construction; ``persons()`` then yields the people one by
    one, so a caller can stream them. Call ``persons()`` once: both share the random stream.
    """

    def __init__(
        self,
        *,
        persons: int,
        seed: int,
        as_of: Month,
        province_names: Mapping[str, str],
        taken_id_numbers: set[str] | None = None,
        taken_usccs: set[str] | None = None,
    ) -> None:
        # Reproducible synthetic data, not secrets: a seeded PRNG is the point.
        self._rng = random.Random(seed)  # noqa: S311
        self._count = persons
        self._as_of = as_of.index
        first_birth = date(BIRTH_YEARS[0], 1, 1)
        # Everyone is at least 18 by the as-of month, so each has a first contribution.
        youngest = Month.from_index(self._as_of - START_AGE_MONTHS[0]).first_day()
        last_birth = min(date(BIRTH_YEARS[1], 12, 31), youngest)
        self._births = (first_birth.toordinal(), last_birth.toordinal())
        self._hukou = (list(HUKOU_WEIGHTS), list(accumulate(HUKOU_WEIGHTS.values())))
        self._work = (list(WORK_WEIGHTS), list(accumulate(WORK_WEIGHTS.values())))
        # Numbers and codes already in the ledger, when the nation is added to one.
        self._id_numbers: set[str] = set(taken_id_numbers or ())
        self.employers = self._employers(province_names, set(taken_usccs or ()))
        self._pools: dict[str, list[int]] = {code: [] for code in PROVINCES}
        for employer in self.employers:
            self._pools[employer.province].append(employer.index)

    # -- employers --------------------------------------------------------------------

    def _employers(self, province_names: Mapping[str, str], codes: set[str]) -> list[EmployerSeed]:
        rng = self._rng
        total_weight = sum(WORK_WEIGHTS.values())
        employers: list[EmployerSeed] = []
        for province, weight in WORK_WEIGHTS.items():
            wanted = round(self._count * weight / total_weight / PERSONS_PER_EMPLOYER)
            region = XPCC_REGION if province == "66" else f"{province}01{rng.randint(1, 3):02d}"
            for _ in range(max(MIN_EMPLOYERS_PER_PROVINCE, wanted)):
                uscc = self._uscc(region)
                while uscc in codes:
                    uscc = self._uscc(region)
                codes.add(uscc)
                name = (
                    _short_name(province_names[province])
                    + rng.choice(EMPLOYER_BRANDS)
                    + rng.choice(EMPLOYER_TRADES)
                    + ("股份有限公司" if rng.random() < 0.2 else "有限公司")
                )
                employers.append(EmployerSeed(len(employers), uscc, name, province))
        return employers

    def _uscc(self, region: str) -> str:
        # 9 = market regulation authority, 1 = enterprise; then the organisation code.
        organisation = f"{self._rng.randrange(10**8):08d}"
        body = f"91{region}{organisation}{organisation_code_check(organisation)}"
        return body + uscc.calc_check_digit(body)

    # -- persons ----------------------------------------------------------------------

    def persons(self) -> Iterator[PersonSeed]:
        for index in range(self._count):
            yield self._person(index)

    def _person(self, index: int) -> PersonSeed:
        rng = self._rng
        sex = "M" if rng.random() < 0.55 else "F"
        birth = date.fromordinal(rng.randint(*self._births))
        hukou = rng.choices(*self._hukou)[0]
        id_number = self._id_number(hukou, birth, sex)
        given = MALE_GIVEN if sex == "M" else FEMALE_GIVEN
        name = rng.choice(SURNAMES) + "".join(rng.choices(given, k=rng.choice((1, 2, 2))))
        born = Month.from_date(birth)
        # Relative wage: lognormal around 0.9 × A, kept to 0.5-3.5 × A.
        wage_level = min(3.5, max(0.5, rng.lognormvariate(-0.1, 0.45)))
        cadre = sex == "F" and rng.random() < CADRE_SHARE

        # Many people work uninsured for years before their first enrolment.
        first_job = born.index + rng.randint(*self._start_ages(born)) + self._gap()
        start = max(min(first_job, self._as_of), LEDGER_START.index)
        died = None
        if rng.random() < DEATH_RATE and start + 6 < self._as_of - 1:
            died = rng.randint(start + 6, self._as_of - 1)
        latest_retirement = self._retirement(born, "M60" if sex == "M" else "F55")
        limit = min(self._as_of, latest_retirement - 1, self._as_of if died is None else died - 1)
        spans = self._spans(start, limit, born.index, sex, hukou, wage_level)

        category, retirement, spans = self._retire(born, sex, cadre, spans)
        # Service before the ledger began is deemed (视同缴费), counted where it was done:
        # the province of the first enrolment.
        deemed_months = max(0, LEDGER_START.index - first_job)
        # Short of the minimum years at the statutory age, no pension is paid (spec §5.1):
        # the person stays insured and the relationship is suspended (中断).
        paid_months = sum(span.end - span.start + 1 for span in spans)
        entitled = paid_months + deemed_months >= minimum_contribution_months(
            Month.from_index(retirement).year
        )
        if died is not None:
            status = "deceased"
            retired_on = (
                Month.from_index(retirement).first_day()
                if retirement <= died and entitled
                else None
            )
            died_on = Month.from_index(died).first_day().replace(day=rng.randint(1, 28))
        elif retirement <= self._as_of and entitled:
            status, retired_on, died_on = "retired", Month.from_index(retirement).first_day(), None
        else:
            status, retired_on, died_on = "active", None, None
        self._close(spans, still_contributing=status == "active" and retirement > self._as_of)
        if status == "active" and retirement <= self._as_of:
            spans[-1].status = "suspended"
        return PersonSeed(
            index=index,
            id_number=id_number,
            name=name,
            birth_date=birth,
            sex=sex,
            hukou_province=hukou,
            retirement_category=category,
            status=status,
            retired_on=retired_on,
            died_on=died_on,
            spans=spans,
            deemed_months=deemed_months,
        )

    def _start_ages(self, born: Month) -> tuple[int, int]:
        low, high = START_AGE_MONTHS
        return low, min(high, self._as_of - born.index)

    def _id_number(self, hukou: str, birth: date, sex: str) -> str:
        rng = self._rng
        while True:
            county = f"{hukou}01{rng.randint(1, 3):02d}"
            # The sequence's last digit is odd for men, even for women.
            sequence = rng.randrange(1, 500) * 2 + (1 if sex == "M" else 0)
            body = f"{county}{birth:%Y%m%d}{sequence:03d}"
            number = body + id_check_digit(body)
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                return number

    @staticmethod
    def _retirement(born: Month, category: str) -> int:
        return statutory_retirement(
            birth_month=born, category=RetirementCategory(category)
        ).month.index

    def _spans(
        self, start: int, limit: int, born: int, sex: str, hukou: str, wage_level: float
    ) -> list[Span]:
        """Enrolment spans from ``start`` to at most ``limit``, with gaps and moves."""
        rng = self._rng
        spans: list[Span] = []
        # Provinces where the person already held a normal (non-temporary) relationship.
        normal_in: set[str] = set()
        province = hukou if rng.random() < 0.7 else self._destination()
        month = start
        while month <= limit:
            age = month - born
            flexible = rng.random() < (0.3 if age >= 40 * 12 else 0.1)
            length = max(3, round(rng.expovariate(1 / (24 if flexible else 36))))
            end = min(month + length - 1, limit)
            temporary = (
                month >= TEMPORARY_ACCOUNT_START.index
                and province != hukou
                and age >= TEMPORARY_ACCOUNT_AGE_MONTHS[sex]
                and province not in normal_in  # never converted retroactively (§3.4)
            )
            if not temporary:
                normal_in.add(province)
            if flexible:
                employer = None
                level = 0.0 if rng.random() < 0.5 else rng.uniform(0.6, 1.0)
            else:
                employer = rng.choice(self._pools[province])
                level = wage_level * rng.lognormvariate(0, 0.15)
            span = Span(
                province=province,
                scheme=FLEXIBLE if flexible else EMPLOYEE,
                employer=employer,
                start=month,
                end=end,
                is_temporary_account=temporary,
                wage_level=level,
            )
            # Arrears (补缴) for the first months, settled in a later month: at the latest
            # the month after the career ends, never after a death or the as-of month.
            payable = min(12, end - month + 1, min(limit + 1, self._as_of) - month)
            if rng.random() < 0.04 and payable >= 1:
                span.back_paid_months = rng.randint(1, payable)
                span.back_paid_in = month + span.back_paid_months
            spans.append(span)
            month = end + 1 + self._gap()
            draw = rng.random()
            if draw < 0.1:
                province = hukou
            elif draw >= 0.65:
                province = self._destination()
        return spans

    def _destination(self) -> str:
        return self._rng.choices(*self._work)[0]

    def _gap(self) -> int:
        """Months without contributions between two spans: often none, sometimes years."""
        draw = self._rng.random()
        if draw < 0.2:
            return 0
        if draw < 0.45:
            return self._rng.randint(1, 12)
        return self._rng.randint(13, 180)

    def _retire(
        self, born: Month, sex: str, cadre: bool, spans: list[Span]
    ) -> tuple[str, int, list[Span]]:
        """Retirement category and month; spans cut to the month before retirement.

        Women retire at 50 as workers when their last enrolment before 50 is with an
        employer, else at 55 (flexible employment or cadre), per the Decisions.
        """
        if sex == "M":
            category = "M60"
        else:
            retire_at_50 = self._retirement(born, "F50")
            before_50 = [span for span in spans if span.start < retire_at_50]
            worker = not cadre and bool(before_50) and before_50[-1].scheme == EMPLOYEE
            category = "F50" if worker else "F55"
            if not worker and not cadre:
                # Her last enrolment stays the flexible one she held before 50.
                spans = before_50
        retirement = self._retirement(born, category)
        kept = [span for span in spans if span.start < retirement]
        for span in kept:
            span.end = min(span.end, retirement - 1)
            span.back_paid_months = min(span.back_paid_months, span.end - span.start + 1)
        return category, retirement, kept

    def _close(self, spans: list[Span], *, still_contributing: bool) -> None:
        """Enrolment statuses: a move out is a transfer; an active person's last span is open."""
        for span, following in zip(spans, spans[1:], strict=False):
            span.status = "transferred_out" if following.province != span.province else "closed"
        if still_contributing:
            spans[-1].status = "active"
            spans[-1].end = self._as_of
