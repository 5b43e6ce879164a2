"""The transfer exchange (/api/v1/transfers/): a province lists the cases addressed to it or
sent by it and takes its steps, through the same services as the admin and the person's page.

The receiving office applies, accepts or rejects, records the funds, completes and may cancel
before anything is sent; the sending office sends. A step taken by the other office's
province is 403; a step out of order is 409 with its code.
"""

import json
from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts import scope
from accounts.models import Agency, User
from contributions.models import Employer
from contributions.services import LedgerError
from portal.api import (
    PROVINCE_PARAMETER,
    IsProvinceOrCaseworker,
    PersonReadsLogged,
    answer_idempotently,
    idempotency_key,
    idempotency_key_parameter,
    ledger_refusal,
    principal_user,
    province_parameter,
    record_read,
    refused,
    write_province,
)
from transfers import services
from transfers.api import serializers
from transfers.api.filters import TransferFilter
from transfers.models import Transfer

STEP_PERMISSION = "transfers.take_transfer_step"


def _transfers(request: Request) -> QuerySet:
    queryset = Transfer.objects.select_related("person").prefetch_related("steps")
    return scope.rows(request.user, queryset, scope.TRANSFER_ROWS)


def _step_date(data: dict) -> date:
    today = timezone.localdate()
    on = data.get("on") or today
    if on > today:
        raise refused("on", "date_in_future", "A step cannot be dated after today.")
    return on


def _may_take_steps(request: Request) -> None:
    user = principal_user(request)
    if user is not None and not user.has_perm(STEP_PERMISSION):
        raise exceptions.PermissionDenied("Taking transfer steps needs that permission.")


def _answer(request: Request, work: Callable[[], Transfer], *, created: bool = False) -> Response:
    """Run one service step under the request's Idempotency-Key; answer with the case."""

    def step() -> tuple[int, dict]:
        try:
            transfer = work()
        except LedgerError as error:
            refusal = ledger_refusal(error)
            return refusal.status_code, refusal.data
        transfer = _transfers(request).get(pk=transfer.pk)
        return (
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            serializers.TransferOutput(transfer).data,
        )

    # The path is part of what a key binds: one key, one step of one case.
    body = request.path.encode() + b"\n" + json.dumps(request.data, sort_keys=True).encode()
    return answer_idempotently(
        request, step, key=idempotency_key(request, required=False), body=body
    )


class TransferListView(PersonReadsLogged, generics.ListCreateAPIView):
    """Transfers addressed to the caller's provinces or sent by them, oldest first."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = serializers.TransferOutput
    filterset_class = TransferFilter
    read_action = "api_transfer_list"

    def get_queryset(self) -> QuerySet:
        return _transfers(self.request)

    @extend_schema(
        operation_id="transfers_apply",
        parameters=[idempotency_key_parameter(required=False), PROVINCE_PARAMETER],
        request=serializers.TransferApplyInput,
        responses={201: serializers.TransferOutput},
        description="File an application with the receiving office (the caller's province): "
        "the person has joined the scheme there and paid in the sending province.",
    )
    def post(self, request: Request) -> Response:
        receiving = write_province(request, province_parameter(request))
        _may_take_steps(request)
        data = serializers.TransferApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        person = (
            scope.persons(request.user)
            .filter(id_number=data.validated_data["id_number"].upper())
            .first()
        )
        if person is None:
            raise refused(
                "id_number", "unknown_person", "No insured person with this ID number here."
            )
        on = _step_date(data.validated_data)
        return _answer(
            request,
            lambda: services.transfer_apply(
                person=person,
                from_province=data.validated_data["from_province"],
                to_province=receiving,
                applied_on=on,
                by=principal_user(request),
            ),
            created=True,
        )


class TransferView(generics.RetrieveAPIView):
    """One transfer with its steps and, once sent, its information sheet."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = serializers.TransferOutput
    lookup_field = "public_id"
    lookup_url_kwarg = "transfer_id"

    def get_queryset(self) -> QuerySet:
        return _transfers(self.request)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        transfer = self.get_object()
        record_read(request, [transfer.person_id], "api_transfer")
        return Response(self.get_serializer(transfer).data)


class TransferStepView(generics.GenericAPIView):
    """A step of one office on one transfer; subclasses name the office and the service."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class: type[Serializer] = serializers.StepInput
    office = "receiving"

    def take(self, transfer: Transfer, data: dict, on: date, by: User | None) -> Transfer:
        raise NotImplementedError

    @extend_schema(
        parameters=[idempotency_key_parameter(required=False)],
        responses={200: serializers.TransferOutput},
    )
    def post(self, request: Request, transfer_id) -> Response:
        transfer = get_object_or_404(_transfers(request), public_id=transfer_id)
        sending = self.office == "sending"
        write_province(request, transfer.from_province_id if sending else transfer.to_province_id)
        _may_take_steps(request)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        on = _step_date(data.validated_data)
        by = principal_user(request)
        return _answer(request, lambda: self.take(transfer, data.validated_data, on, by))


class AcceptView(TransferStepView):
    """The receiving office accepts and sends the contact letter (联系函)."""

    def take(self, transfer, data, on, by):
        return services.transfer_accept(transfer=transfer, on=on, by=by)


class RejectView(TransferStepView):
    """The receiving office refuses, with the reason the applicant is given."""

    serializer_class = serializers.ReasonedStepInput

    def take(self, transfer, data, on, by):
        return services.transfer_reject(transfer=transfer, on=on, reason=data["reason"], by=by)


class SendView(TransferStepView):
    """The sending office sends the information sheet (信息表) and remits the funds."""

    office = "sending"

    def take(self, transfer, data, on, by):
        return services.transfer_send(transfer=transfer, on=on, by=by)


class FundsReceivedView(TransferStepView):
    """The receiving office records the pooling funds the bank credited."""

    serializer_class = serializers.FundsReceivedInput

    def take(self, transfer, data, on, by):
        return services.transfer_funds_receive(
            transfer=transfer, on=on, pooling_received=data["pooling_received"], by=by
        )


class CompleteView(TransferStepView):
    """The receiving office completes the case and notifies the person (办结)."""

    def take(self, transfer, data, on, by):
        return services.transfer_complete(transfer=transfer, on=on, by=by)


class CancelView(TransferStepView):
    """The receiving office withdraws an application before anything was sent."""

    serializer_class = serializers.ReasonedStepInput

    def take(self, transfer, data, on, by):
        return services.transfer_cancel(transfer=transfer, on=on, reason=data["reason"], by=by)


class EmployerMoveView(APIView):
    """Move an employer with all its staff to another agency (成建制划转), or preview it.

    Both the employer's province and the receiving agency's must be the caller's to write:
    a province moves its employers between its own agencies; a move to another province is
    the national agency's, or a caseworker's holding both.
    """

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(
        request=serializers.EmployerMoveInput,
        responses=serializers.EmployerMoveOutput,
    )
    def post(self, request: Request, uscc: str) -> Response:
        employer = get_object_or_404(
            scope.agency_rows(request.user, Employer.objects.all()), uscc=uscc.upper()
        )
        data = serializers.EmployerMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        to_agency = Agency.objects.filter(division_code=data.validated_data["to_agency"]).first()
        if to_agency is None or to_agency.province_id is None:
            raise refused("to_agency", "unknown_agency", "No provincial agency has this code.")
        write_province(request, employer.province_id)
        write_province(request, to_agency.province_id)
        month = data.validated_data["month"]
        try:
            if data.validated_data["preview"]:
                plan = services.employer_move_plan(
                    employer=employer, to_agency=to_agency, month=month
                )
                moved: list[Transfer] = []
            else:
                plan, moved = services.employer_move(
                    employer=employer,
                    to_agency=to_agency,
                    month=month,
                    on=timezone.localdate(),
                    by=principal_user(request),
                )
        except LedgerError as error:
            return ledger_refusal(error)
        answer = {
            "employer": plan.employer,
            "from_province": plan.from_province,
            "to_agency": plan.to_agency,
            "month": plan.month,
            "across_provinces": plan.across_provinces,
            "moved": not data.validated_data["preview"],
            "enrolments": plan.enrolments,
            "transfers": [transfer.public_id for transfer in moved],
        }
        return Response(serializers.EmployerMoveOutput(answer).data)
