"""Policy parameters of the enterprise-employee basic pension, per province and year.

Parameters are data, not code (spec §0.1): an official notice changes a row, not a rule.
Rates are stored as fractions (0.16 means 16 %); money is numeric(14,2).
Each row names its source; rows marked approximate are demo figures (spec §9).
"""

from django.db import models
from django.db.models import F, Q

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 6}


class BandRounding(models.TextChoices):
    YUAN = "yuan", "whole yuan (元)"
    JIAO = "jiao", "one decimal (角)"


class ProvincePolicy(models.Model):
    """Contribution band, rates and pension bases of one province for one contribution year."""

    province = models.ForeignKey(
        "accounts.Province", on_delete=models.PROTECT, related_name="policies"
    )
    year = models.PositiveSmallIntegerField(help_text="Contribution year the figures apply to.")
    average_wage = models.DecimalField(
        "average monthly wage (全口径平均工资)", help_text="A, the band's base.", **MONEY
    )
    contribution_floor = models.DecimalField("base floor (缴费基数下限)", **MONEY)
    contribution_ceiling = models.DecimalField("base ceiling (缴费基数上限)", **MONEY)
    band_rounding = models.CharField(
        max_length=4, choices=BandRounding.choices, default=BandRounding.YUAN
    )
    employer_rate = models.DecimalField("employer rate (单位费率)", default="0.16", **RATE)
    employee_rate = models.DecimalField("employee rate (个人费率)", default="0.08", **RATE)
    flexible_total_rate = models.DecimalField(
        "flexible-employment total rate (灵活就业费率)", default="0.20", **RATE
    )
    flexible_account_rate = models.DecimalField(
        "flexible-employment account rate", default="0.08", **RATE
    )
    pension_base = models.DecimalField(
        "pension calculation base (计发基数)", null=True, blank=True, **MONEY
    )
    transitional_coefficient = models.DecimalField(
        "transitional coefficient (过渡系数)", null=True, blank=True, **RATE
    )
    deemed_index = models.DecimalField(
        "deemed-period index (视同缴费指数)", default="1", max_digits=6, decimal_places=4
    )
    is_approximate = models.BooleanField(
        default=False, help_text="Demo or derived figures, not an official publication."
    )
    source = models.TextField(help_text="Where the figures come from.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["province", "year"]
        verbose_name = "province policy (省级政策参数)"
        verbose_name_plural = "province policies (省级政策参数)"
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="policy_one_per_year"),
            models.CheckConstraint(
                name="policy_band_ordered",
                condition=Q(contribution_floor__gt=0)
                & Q(contribution_floor__lte=F("contribution_ceiling")),
            ),
            models.CheckConstraint(
                name="policy_rates_are_fractions",
                condition=Q(employer_rate__gte=0, employer_rate__lt=1)
                & Q(employee_rate__gte=0, employee_rate__lt=1)
                & Q(flexible_total_rate__gt=0, flexible_total_rate__lt=1)
                & Q(flexible_account_rate__gte=0)
                & Q(flexible_account_rate__lte=F("flexible_total_rate")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_id} {self.year}"


class CreditingRate(models.Model):
    """The national personal-account crediting rate (记账利率) of one year, national since 2016."""

    year = models.PositiveSmallIntegerField(unique=True)
    rate = models.DecimalField(**RATE)
    published_on = models.DateField(null=True, blank=True)
    is_provisional = models.BooleanField(
        default=False,
        help_text="Not yet confirmed by an official notice; postings using it are trued up.",
    )
    source = models.TextField()

    class Meta:
        ordering = ["year"]
        verbose_name = "crediting rate (记账利率)"
        constraints = [
            models.CheckConstraint(
                name="crediting_rate_sane", condition=Q(rate__gte=0, rate__lt=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.rate * 100:.2f} %"
