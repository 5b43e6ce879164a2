"""Input and output shapes of the transfer exchange (/api/v1/transfers/)."""

from rest_framework import serializers

from portal.fields import (
    ID_NUMBER_PATTERN,
    MoneyField,
    MonthField,
    ProvinceField,
    TextField,
    TrueFalseField,
)
from transfers import rules
from transfers.models import Transfer, TransferStep

STEP_DATE_HELP = "The day the office took the step (China time); today when left out."


class StepInput(serializers.Serializer):
    on = serializers.DateField(required=False, help_text=STEP_DATE_HELP)


class ReasonedStepInput(StepInput):
    reason = TextField(max_length=500, help_text="Told to the person in writing.")


class FundsReceivedInput(StepInput):
    pooling_received = MoneyField(help_text="Pooling funds the bank credited (统筹基金到账额).")


class TransferApplyInput(StepInput):
    id_number = TextField(pattern=ID_NUMBER_PATTERN, help_text="公民身份号码 of the applicant.")
    from_province = ProvinceField(help_text="The sending province (转出地).")


class TransferStepOutput(serializers.ModelSerializer):
    class Meta:
        model = TransferStep
        fields = ["status", "on", "note"]


class TransferOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    id_number = serializers.CharField(source="person.id_number")
    name = serializers.CharField(source="person.name")
    acting_office = serializers.SerializerMethodField(
        help_text="receiving or sending: the office that must take the next step; null once "
        "the case has ended."
    )
    steps = TransferStepOutput(many=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "id_number",
            "name",
            "from_province",
            "to_province",
            "status",
            "acting_office",
            "step_deadline",
            "notice_deadline",
            "applied_on",
            "accepted_on",
            "rejected_on",
            "rejection_reason",
            "cancelled_on",
            "sent_on",
            "funds_received_on",
            "completed_on",
            "account_amount",
            "pooling_amount",
            "pooling_received",
            "sheet",
            "steps",
            "updated_at",
        ]

    def get_acting_office(self, transfer: Transfer) -> str | None:
        return rules.acting_office(transfer.status)


class EmployerMoveInput(serializers.Serializer):
    to_agency = TextField(
        pattern=r"^\d{6}(\d{3})?$", help_text="The receiving agency's division code (区划代码)."
    )
    month = MonthField(help_text="The first month with the new agency (next month at the latest).")
    preview = TrueFalseField(
        required=False, default=False, help_text="true: say who would move; write nothing."
    )


class MovedPersonOutput(serializers.Serializer):
    id_number = serializers.CharField(source="person.masked_id_number")
    name = serializers.CharField(source="person.name")


class EmployerMoveOutput(serializers.Serializer):
    uscc = serializers.CharField(source="employer.uscc")
    name = serializers.CharField(source="employer.name")
    from_province = serializers.CharField()
    to_agency = serializers.CharField(source="to_agency.division_code")
    to_province = serializers.CharField(source="to_agency.province_id")
    month = MonthField()
    across_provinces = serializers.BooleanField()
    moved = serializers.BooleanField(help_text="false for a preview")
    persons = MovedPersonOutput(many=True, source="enrolments")
    transfers = serializers.ListField(child=serializers.UUIDField())
