"""Input and output shapes of the provincial API. Inputs validate; outputs only render."""

from rest_framework import serializers

from contributions.models import (
    ContributionRecord,
    Employer,
    Enrolment,
    InsuredPerson,
    ProvincePolicy,
    RetirementCategory,
    Scheme,
)
from portal.fields import (
    ID_NUMBER_PATTERN,
    MOBILE_PATTERN,
    USCC_PATTERN,
    MoneyField,
    MonthField,
    ProvinceField,
    TextField,
    TrueFalseField,
    WholeNumberField,
)
from risk.models import BackPaymentEvidence, Certification


class PersonInput(serializers.Serializer):
    name = TextField(max_length=50)
    hukou_province = ProvinceField()
    mobile = TextField(
        pattern=MOBILE_PATTERN,
        required=False,
        allow_blank=True,
        help_text="Mobile number (手机号码) for the person's first sign-in; empty removes it, "
        "left out keeps it.",
    )
    retirement_category = serializers.ChoiceField(
        choices=RetirementCategory.choices, required=False
    )


class PersonOutput(serializers.ModelSerializer):
    class Meta:
        model = InsuredPerson
        fields = [
            "id_number",
            "name",
            "birth_date",
            "sex",
            "hukou_province",
            "retirement_category",
            "status",
            "retired_on",
            "died_on",
            "updated_at",
        ]


class EmployerInput(serializers.Serializer):
    uscc = TextField(
        pattern=USCC_PATTERN,
        help_text="Unified social credit code (统一社会信用代码, GB 32100); its check "
        "character is verified (422 `uscc_invalid`).",
    )
    name = TextField(max_length=200)
    province = ProvinceField(required=False)


class EmployerOutput(serializers.ModelSerializer):
    class Meta:
        model = Employer
        fields = ["uscc", "name", "province", "created_at"]


class EnrolmentInput(serializers.Serializer):
    id_number = TextField(
        pattern=ID_NUMBER_PATTERN, help_text="Of a person registered with PUT /persons/."
    )
    scheme = serializers.ChoiceField(choices=Scheme.choices)
    employer_uscc = TextField(
        pattern=f"^({USCC_PATTERN[1:-1]})?$",
        required=False,
        allow_blank=True,
        help_text="An employer the province registered; employees only.",
    )
    start_month = MonthField()
    temporary_account = TrueFalseField(default=False)
    province = ProvinceField(required=False)
    agency = TextField(
        pattern="^[0-9]{2,12}$",
        required=False,
        help_text="Division code of the handling agency (经办机构); the employer's if omitted.",
    )


class EnrolmentEndInput(serializers.Serializer):
    end_month = MonthField()


class EnrolmentOutput(serializers.ModelSerializer):
    id_number = serializers.CharField(source="person.id_number")
    employer_uscc = serializers.CharField(source="employer.uscc", default=None, allow_null=True)
    agency = serializers.CharField(source="agency.division_code", default=None, allow_null=True)
    start_month = MonthField()
    end_month = MonthField(allow_null=True)
    temporary_account = serializers.BooleanField(source="is_temporary_account")

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "id_number",
            "province",
            "scheme",
            "employer_uscc",
            "agency",
            "start_month",
            "end_month",
            "status",
            "temporary_account",
            "updated_at",
        ]


class ContributionOutput(serializers.ModelSerializer):
    id_number = serializers.CharField(source="person.id_number")
    employer_uscc = serializers.CharField(source="employer.uscc", default=None, allow_null=True)
    month = MonthField()
    temporary_account = serializers.BooleanField(source="is_temporary_account")
    batch_id = serializers.UUIDField(source="batch.public_id", default=None)

    class Meta:
        model = ContributionRecord
        fields = [
            "id",
            "id_number",
            "province",
            "employer_uscc",
            "scheme",
            "month",
            "base",
            "pooling_part",
            "account_part",
            "kind",
            "temporary_account",
            "paid_on",
            "batch_id",
            "batch_row",
            "reversal_of",
            "reason",
            "posted_at",
        ]


class RowErrorOutput(serializers.Serializer):
    index = serializers.IntegerField()
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class BatchResultOutput(serializers.Serializer):
    batch_id = serializers.UUIDField(allow_null=True)
    posted = serializers.IntegerField()
    held_in_suspense = serializers.IntegerField()
    rejected = RowErrorOutput(many=True)


class BalanceOutput(serializers.Serializer):
    province = serializers.CharField()
    account = serializers.CharField()
    balance = serializers.DecimalField(max_digits=16, decimal_places=2)


class PaidMonthOutput(serializers.Serializer):
    month = serializers.CharField()
    province = serializers.CharField()
    scheme = serializers.CharField()
    base = serializers.DecimalField(max_digits=14, decimal_places=2)
    account_part = serializers.DecimalField(max_digits=14, decimal_places=2)
    temporary_account = serializers.BooleanField(source="is_temporary_account")
    kind = serializers.CharField()


class GapOutput(serializers.Serializer):
    first_month = serializers.CharField()
    last_month = serializers.CharField()


class PersonRecordOutput(serializers.Serializer):
    person = PersonOutput()
    enrolments = EnrolmentOutput(many=True)
    contribution_months = serializers.IntegerField()
    months_by_province = serializers.DictField(child=serializers.IntegerField())
    gaps = GapOutput(many=True)
    account_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    months = PaidMonthOutput(many=True)


class BatchOutput(serializers.Serializer):
    batch_id = serializers.UUIDField(source="public_id")
    province = serializers.CharField(source="province_id")
    source = serializers.CharField()
    row_count = serializers.IntegerField()
    received_at = serializers.DateTimeField()


class PolicyOutput(serializers.ModelSerializer):
    """A province's figures for one contribution year: the band a row's base must meet
    (flexible) or is clamped into (employees), and the rates that split it."""

    province = serializers.CharField(source="province_id")

    class Meta:
        model = ProvincePolicy
        fields = [
            "province",
            "year",
            "average_wage",
            "contribution_floor",
            "contribution_ceiling",
            "employer_rate",
            "employee_rate",
            "flexible_total_rate",
            "flexible_account_rate",
            "pension_base",
            "is_approximate",
            "source",
        ]


# --- Life events and facts ------------------------------------------------------------------


class DeathInput(serializers.Serializer):
    died_on = serializers.DateField(help_text="The day of death (死亡日期).")


class DeemedServiceInput(serializers.Serializer):
    months = WholeNumberField(min_value=1, max_value=600, help_text="Approved deemed months.")
    until_month = MonthField(help_text="The last month of the deemed service, before 1998-01.")


class DeemedServiceOutput(serializers.Serializer):
    id_number = serializers.CharField(source="person.id_number")
    province = serializers.CharField(source="province_id")
    months = serializers.IntegerField()
    until_month = MonthField()


class PersonFactInput(serializers.Serializer):
    id_number = TextField(pattern=ID_NUMBER_PATTERN, help_text="公民身份号码.")


class BenefitPaymentInput(PersonFactInput):
    month = MonthField(help_text="The month paid for.")
    amount = MoneyField(help_text="The monthly pension paid.")
    bank_account = TextField(max_length=40, required=False, default="")


class BenefitPaymentOutput(serializers.Serializer):
    id_number = serializers.CharField(source="person.id_number")
    province = serializers.CharField(source="province_id")
    month = MonthField()
    amount = MoneyField()


class CertificationInput(PersonFactInput):
    certified_on = serializers.DateField()
    valid_until = serializers.DateField()
    method = serializers.ChoiceField(choices=Certification.Method.values)


class CertificationOutput(serializers.Serializer):
    id_number = serializers.CharField(source="person.id_number")
    certified_on = serializers.DateField()
    valid_until = serializers.DateField()
    method = serializers.CharField()


class BackPaymentEvidenceInput(PersonFactInput):
    batch = serializers.UUIDField(help_text="The batch that posted the back-payment.")
    kind = serializers.ChoiceField(choices=BackPaymentEvidence.Kind.values)
    document_date = serializers.DateField()
    reference = TextField(max_length=100, help_text="The document's number or title.")


class BackPaymentEvidenceOutput(serializers.Serializer):
    id_number = serializers.CharField(source="person.id_number")
    batch = serializers.UUIDField(source="batch.public_id")
    kind = serializers.CharField()
    document_date = serializers.DateField()
    reference = serializers.CharField()


# --- Retirement as a case -------------------------------------------------------------------


class RetirementInput(serializers.Serializer):
    month = MonthField(help_text="The first month of the pension.")
    special_route = TrueFalseField(
        required=False,
        default=False,
        help_text="An approved special-type or disability route (特殊工种/病退).",
    )


class ClaimPlaceOutput(serializers.Serializer):
    province = serializers.CharField()
    rule = serializers.CharField(help_text="R1 to R4 of §4.1.")
    explanation = serializers.CharField()


class RetirementRequestOutput(serializers.Serializer):
    status = serializers.CharField()
    asked = serializers.JSONField(source="payload")
    made_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(help_text="The checker's note.")
    outcome = serializers.CharField(help_text="What the service said on approval.")


class PensionOutput(serializers.Serializer):
    """The monthly pension computed from the record (§5), in yuan."""

    total = serializers.DecimalField(max_digits=12, decimal_places=2, source="estimate.total")
    basic = serializers.DecimalField(max_digits=12, decimal_places=2, source="estimate.basic")
    account = serializers.DecimalField(max_digits=12, decimal_places=2, source="estimate.account")
    transitional = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="estimate.transitional"
    )
    divisor = serializers.DecimalField(max_digits=6, decimal_places=2, source="estimate.divisor")
    average_index = serializers.DecimalField(max_digits=8, decimal_places=4)
    contribution_months = serializers.IntegerField()
    pension_base = serializers.DecimalField(max_digits=12, decimal_places=2)
    account_balance = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="With interest to the retirement month."
    )


class RetirementCaseOutput(serializers.Serializer):
    id_number = serializers.CharField(source="person.id_number")
    status = serializers.CharField(source="person.status")
    retired_on = serializers.DateField(source="person.retired_on", allow_null=True)
    earliest = MonthField(source="facts.earliest")
    latest = MonthField(source="facts.latest")
    contribution_months = serializers.IntegerField(source="facts.contribution_months")
    minimum_months = serializers.IntegerField(source="facts.minimum_months")
    missed_months = serializers.IntegerField(
        source="facts.missed_months", help_text="Months missed that can still be paid."
    )
    claim_place = ClaimPlaceOutput(source="facts.claim", allow_null=True)
    pension_from = MonthField(
        source="facts.pension_from", help_text="The month asked, or else the statutory month."
    )
    pension = PensionOutput(source="facts.pension", allow_null=True)
    unindexed_months = serializers.IntegerField(
        source="facts.unindexed_months",
        help_text="Months paid whose province and year have no average wage on file: "
        "the pension does not count them until one is.",
    )
    request = RetirementRequestOutput(allow_null=True)
