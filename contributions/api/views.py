"""The provincial API: persons, employers, enrolments, contributions, balances.

Views parse, resolve scope, call one service or selector, and answer. A provincial system
writes only its own province's records and reads only its people; a caseworker's session
has the caseworker's scope; an insured person reads only their own record.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from accounts.approvals import ApprovalError, change_request
from accounts.models import Agency, ChangeRequest
from contributions import batches, selectors, services
from contributions.api import bulk, serializers
from contributions.api.filters import ContributionFilter, EnrolmentFilter, PersonFilter
from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    Employer,
    Enrolment,
    InsuredPerson,
    JournalLine,
    ProvincePolicy,
)
from contributions.rules import Month
from contributions.services import BatchRejected, LedgerError
from portal.api import (
    PROVINCE_PARAMETER,
    CalculationRateThrottle,
    IsProvinceOrCaseworker,
    PersonReadsLogged,
    answer_idempotently,
    idempotency_key,
    idempotency_key_parameter,
    ledger_refusal,
    principal_key,
    principal_user,
    problem,
    province_parameter,
    record_read,
    refused,
    write_province,
)
from portal.desk import retirement_facts
from portal.fields import ID_NUMBER_PATTERN
from portal.parsers import parse_json, read_json_body
from transfers import services as transfer_services

ID_NUMBER_PARAMETER = OpenApiParameter(
    "id_number",
    location=OpenApiParameter.PATH,
    pattern=ID_NUMBER_PATTERN,
    description="公民身份号码 (GB 11643); the check character is verified.",
)


def _person_in_scope(request: Request, id_number: str) -> InsuredPerson:
    person = (
        scope.persons(request.user)
        .select_related("hukou_province")
        .filter(id_number="".join(id_number.split()).upper())
        .first()
    )
    if person is None:
        raise exceptions.NotFound("No insured person with this ID number in your scope.")
    return person


def _record_body(record: selectors.PersonRecord) -> dict:
    return serializers.PersonRecordOutput(
        {
            "person": record.person,
            "enrolments": record.enrolments,
            "contribution_months": record.contribution_months,
            "months_by_province": record.months_by_province,
            "gaps": [{"first_month": str(a), "last_month": str(b)} for a, b in record.gaps],
            "account_balance": record.account_balance,
            "months": record.months,
        }
    ).data


# --- Persons -----------------------------------------------------------------------------


class PersonListView(PersonReadsLogged, generics.ListAPIView):
    """Persons of the caller's provinces: insured there or with hukou there."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = serializers.PersonOutput
    filterset_class = PersonFilter
    read_action = "api_person_list"
    person_attr = "pk"

    def get_queryset(self) -> QuerySet:
        return scope.persons(self.request.user)


class PersonView(APIView):
    """Read a person, or register / update one by ID number (参保登记)."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(parameters=[ID_NUMBER_PARAMETER], responses=serializers.PersonOutput)
    def get(self, request: Request, id_number: str) -> Response:
        person = _person_in_scope(request, id_number)
        record_read(request, [person.pk], "api_person")
        return Response(serializers.PersonOutput(person).data)

    @extend_schema(
        parameters=[ID_NUMBER_PARAMETER],
        request=serializers.PersonInput,
        responses={200: serializers.PersonOutput, 201: serializers.PersonOutput},
        description="A number already registered in the national ledger but outside the "
        "caller's scope answers 409 `person_registered`: open an enrolment to insure the "
        "person here. A hukou moves only into the caller's own province (403 "
        "`hukou_not_yours` otherwise).",
    )
    def put(self, request: Request, id_number: str) -> Response:
        data = serializers.PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            person, created = services.person_upsert(
                id_number=id_number, **data.validated_data, by=request.user
            )
        except LedgerError as error:
            return ledger_refusal(error)
        return Response(
            serializers.PersonOutput(person).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PersonRecordView(APIView):
    """A person's national record (电子档案袋): enrolments, months, gaps, balance."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(parameters=[ID_NUMBER_PARAMETER], responses=serializers.PersonRecordOutput)
    def get(self, request: Request, id_number: str) -> Response:
        person = _person_in_scope(request, id_number)
        record = selectors.person_record(person_id=person.pk, as_of=timezone.localdate())
        record_read(request, [person.pk], "api_person_record")
        return Response(_record_body(record))


class MyRecordView(APIView):
    """The signed-in insured person's own record."""

    @extend_schema(responses=serializers.PersonRecordOutput)
    def get(self, request: Request) -> Response:
        person = getattr(request.user, "insured_person", None)
        if person is None:
            raise exceptions.NotFound("No insured person is linked to this account.")
        record = selectors.person_record(person_id=person.pk, as_of=timezone.localdate())
        return Response(_record_body(record))


# --- Employers and enrolments ------------------------------------------------------------


class EmployerListView(generics.ListCreateAPIView):
    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = serializers.EmployerOutput

    def get_queryset(self) -> QuerySet:
        return scope.agency_rows(self.request.user, Employer.objects.order_by("id"))

    @extend_schema(
        request=serializers.EmployerInput,
        responses={200: serializers.EmployerOutput, 201: serializers.EmployerOutput},
        description="Registers an employer (201) or renames the province's own (200). A credit "
        "code registered by another province answers 409 `uscc_registered_elsewhere`.",
    )
    def post(self, request: Request) -> Response:
        data = serializers.EmployerInput(data=request.data)
        data.is_valid(raise_exception=True)
        province = write_province(request, data.validated_data.pop("province", None))
        try:
            employer, created = services.employer_register(**data.validated_data, province=province)
        except LedgerError as error:
            return ledger_refusal(error)
        return Response(
            serializers.EmployerOutput(employer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class EnrolmentListView(PersonReadsLogged, generics.ListCreateAPIView):
    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = serializers.EnrolmentOutput
    filterset_class = EnrolmentFilter
    read_action = "api_enrolment_list"

    def get_queryset(self) -> QuerySet:
        queryset = Enrolment.objects.select_related("person", "employer", "agency")
        return scope.agency_rows(self.request.user, queryset)

    @extend_schema(
        request=serializers.EnrolmentInput,
        responses={200: serializers.EnrolmentOutput, 201: serializers.EnrolmentOutput},
        description="Opens an enrolment (201). The same person, province, employer, scheme and "
        "start month while that enrolment is active answers 200 with the first one.",
    )
    def post(self, request: Request) -> Response:
        data = serializers.EnrolmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        province = write_province(request, fields.get("province"))
        person = services.find_person(fields["id_number"])
        if person is None:
            raise refused(
                "id_number",
                "unknown_person",
                "No insured person with this ID number; register them first.",
            )
        employer = None
        if fields.get("employer_uscc"):
            employer = Employer.objects.filter(
                uscc=fields["employer_uscc"], province_id=province
            ).first()
            if employer is None:
                raise refused(
                    "employer_uscc",
                    "unknown_employer",
                    f"No employer with this code in province {province}.",
                )
        agency = None
        if fields.get("agency"):
            agency = Agency.objects.filter(division_code=fields["agency"]).first()
            if agency is None:
                raise refused("agency", "unknown_agency", "No agency with this code.")
        try:
            enrolment, created = transfer_services.enrolment_open_moving(
                person=person,
                province=province,
                on=timezone.localdate(),
                scheme=fields["scheme"],
                start_month=fields["start_month"],
                employer=employer,
                agency=agency,
                is_temporary_account=fields["temporary_account"],
            )
        except LedgerError as error:
            return ledger_refusal(error)
        return Response(
            serializers.EnrolmentOutput(enrolment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class EnrolmentEndView(APIView):
    """Suspend (中断) or close (终止) an enrolment of the caller's province."""

    permission_classes = [IsProvinceOrCaseworker]
    end_status = Enrolment.Status.CLOSED

    @extend_schema(request=serializers.EnrolmentEndInput, responses=serializers.EnrolmentOutput)
    def post(self, request: Request, pk: int) -> Response:
        enrolment = get_object_or_404(
            scope.agency_rows(request.user, Enrolment.objects.all()), pk=pk
        )
        write_province(request, enrolment.province_id)
        data = serializers.EnrolmentEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            enrolment = services.enrolment_end(
                enrolment=enrolment,
                status=self.end_status,
                end_month=data.validated_data["end_month"],
            )
        except LedgerError as error:
            return ledger_refusal(error)
        return Response(serializers.EnrolmentOutput(enrolment).data)


# --- Contributions -----------------------------------------------------------------------


# Passes for Shanghai (31) as it stands: flexible rows need no registered employer, the
# bases lie in Shanghai's 2025 band, and numbers the ledger does not know go to suspense.
BATCH_EXAMPLE = {
    "mode": "all_or_nothing",
    "rows": [
        {
            "id_number": "110101199003071233",
            "name": "李强",
            "month": "2025-03",
            "scheme": "flexible",
            "wage_or_base": "8000.00",
        },
        {
            "id_number": "11010519491231002X",
            "month": "2025-02",
            "scheme": "flexible",
            "wage_or_base": "9000.00",
            "kind": "back_payment",
        },
    ],
}


class ContributionListView(PersonReadsLogged, generics.ListCreateAPIView):
    """Contribution records of the caller's provinces, oldest first, for incremental pulls."""

    permission_classes = [IsProvinceOrCaseworker]
    serializer_class = serializers.ContributionOutput
    filterset_class = ContributionFilter
    parser_classes: list = []  # money must not pass through float: the body is read here
    read_action = "api_contribution_list"

    def get_queryset(self) -> QuerySet:
        queryset = ContributionRecord.objects.select_related("person", "employer", "batch")
        return scope.person_rows(self.request.user, queryset)

    @extend_schema(
        operation_id="contributions_create",
        parameters=[idempotency_key_parameter(required=False), PROVINCE_PARAMETER],
        request={"application/json": bulk.row_schema()},
        responses={201: serializers.BatchResultOutput},
        examples=[OpenApiExample("One month", value=BATCH_EXAMPLE["rows"][0], request_only=True)],
        description="One month of one person in real time: a row as in a batch. An "
        "Idempotency-Key header is optional here and works as for batches.",
    )
    def post(self, request: Request) -> Response:
        province = write_province(request, province_parameter(request))
        body = _read_body(request)
        row = parse_json(body)
        return answer_idempotently(
            request,
            lambda: _batch_answer(
                province, [row], False, f"api:{principal_key(request)}", principal_user(request)
            ),
            key=idempotency_key(request, required=False),
            body=body,
        )


def _read_body(request: Request) -> bytes:
    """The raw JSON body, refused above the batch size cap before it is read.

    The stream, not request.body: request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE.
    """
    return read_json_body(request, settings.API_MAX_BATCH_BYTES)


def _batch_answer(
    province: str, rows: list, accept_partial: bool, source: str, posted_by
) -> tuple[int, dict]:
    parsed, parse_errors = bulk.parse_rows(rows, province)
    try:
        result = batches.contribution_batch_post(
            province=province,
            rows=parsed,
            source=source,
            accept_partial=accept_partial,
            posted_by=posted_by,
            parse_errors=parse_errors,
        )
    except BatchRejected as rejected:
        return _rejected(rejected.errors)
    if result.batch is None:
        return _rejected(result.rejected)
    body = serializers.BatchResultOutput(
        {
            "batch_id": result.batch.public_id,
            "posted": result.posted,
            "held_in_suspense": result.held_in_suspense,
            "rejected": result.rejected,
        }
    ).data
    return status.HTTP_201_CREATED, body


def _rejected(errors: list) -> tuple[int, dict]:
    body = problem(
        status=422,
        title=f"{len(errors)} row(s) were refused; nothing was written.",
        code="batch_rejected",
        errors=[serializers.RowErrorOutput(error).data for error in errors],
    )
    return status.HTTP_422_UNPROCESSABLE_ENTITY, body


class ContributionBatchView(APIView):
    """Post a batch of up to 100,000 contribution rows (缴费入账), idempotently."""

    permission_classes = [IsProvinceOrCaseworker]
    parser_classes: list = []  # the body is read and parsed here, with its own size cap

    @extend_schema(
        operation_id="contributions_batch_create",
        parameters=[idempotency_key_parameter(required=True), PROVINCE_PARAMETER],
        request={"application/json": bulk.batch_schema(settings.API_MAX_BATCH_ROWS)},
        responses={201: serializers.BatchResultOutput},
        examples=[OpenApiExample("Two rows", value=BATCH_EXAMPLE, request_only=True)],
        description="`mode`: `all_or_nothing` (default) refuses the batch on any bad row; "
        "`accept_valid` posts the valid rows and lists the refused ones. Unknown persons "
        "are held in suspense. Money as strings with at most two decimals.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key(request, required=True)
        province = write_province(request, province_parameter(request))
        body = _read_body(request)
        rows, accept_partial = _batch_payload(parse_json(body))
        return answer_idempotently(
            request,
            lambda: _batch_answer(
                province,
                rows,
                accept_partial,
                f"api:{principal_key(request)}",
                principal_user(request),
            ),
            key=key,
            body=body,
        )


def _batch_payload(payload) -> tuple[list, bool]:
    if not isinstance(payload, dict):
        raise exceptions.ValidationError({"body": ["Send an object with `rows` and `mode`."]})
    rows = payload.get("rows")
    if not isinstance(rows, list) or not rows:
        raise exceptions.ValidationError({"rows": ["Send a non-empty list of rows."]})
    if len(rows) > settings.API_MAX_BATCH_ROWS:
        raise exceptions.ValidationError(
            {"rows": [f"At most {settings.API_MAX_BATCH_ROWS} rows per batch."]}
        )
    mode = payload.get("mode", bulk.BATCH_MODES[0])
    if mode not in bulk.BATCH_MODES:
        raise exceptions.ValidationError({"mode": [f"Use one of {', '.join(bulk.BATCH_MODES)}."]})
    return rows, mode == "accept_valid"


class ContributionBatchDetailView(APIView):
    """A batch of the caller's provinces, by its public id."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(responses=serializers.BatchOutput)
    def get(self, request: Request, batch_id: str) -> Response:
        batches = scope.province_rows(request.user, ContributionBatch.objects.all())
        return Response(
            serializers.BatchOutput(get_object_or_404(batches, public_id=batch_id)).data
        )


# --- Policy -------------------------------------------------------------------------------


class PolicyView(generics.RetrieveAPIView):
    """A province's policy of a contribution year (省级政策参数): band and rates. Public."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [CalculationRateThrottle]
    serializer_class = serializers.PolicyOutput

    def get_object(self) -> ProvincePolicy:
        return get_object_or_404(
            ProvincePolicy, province_id=self.kwargs["province"], year=self.kwargs["year"]
        )


# --- The fund journal --------------------------------------------------------------------


class JournalBalanceView(APIView):
    """Balances of the fund journal's control accounts per province (debit positive)."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(responses=serializers.BalanceOutput(many=True))
    def get(self, request: Request) -> Response:
        lines = scope.province_rows(request.user, JournalLine.objects.all())
        rows = (
            lines.values("province", "account")
            .annotate(balance=Sum("amount"))
            .order_by("province", "account")
        )
        return Response(serializers.BalanceOutput(rows, many=True).data)


# --- Life events and facts ------------------------------------------------------------------


def _fact_person(request: Request, id_number: str) -> InsuredPerson:
    person = scope.persons(request.user).filter(id_number=id_number.upper()).first()
    if person is None:
        raise refused("id_number", "unknown_person", "No insured person with this ID number here.")
    return person


def _recorded(work, output, *, status_code: int = status.HTTP_201_CREATED) -> Response:
    """Call one service; answer with what it recorded, or with its refusal."""
    try:
        with transaction.atomic():
            recorded = work()
    except LedgerError as error:
        return ledger_refusal(error)
    return Response(output(recorded).data, status=status_code)


class PersonDeathView(APIView):
    """Report a death (死亡): the relationship stops; pensions paid later are RK-05's."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(
        parameters=[ID_NUMBER_PARAMETER],
        request=serializers.DeathInput,
        responses=serializers.PersonOutput,
    )
    def post(self, request: Request, id_number: str) -> Response:
        person = _person_in_scope(request, id_number)
        data = serializers.DeathInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _recorded(
            lambda: services.person_death(
                person=person, died_on=data.validated_data["died_on"], by=request.user
            ),
            serializers.PersonOutput,
            status_code=status.HTTP_200_OK,
        )


class DeemedServiceView(APIView):
    """Deemed contribution service (视同缴费) the caller's province approved."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(
        parameters=[ID_NUMBER_PARAMETER, PROVINCE_PARAMETER],
        request=serializers.DeemedServiceInput,
        responses={201: serializers.DeemedServiceOutput},
    )
    def post(self, request: Request, id_number: str) -> Response:
        province = write_province(request, province_parameter(request))
        person = _person_in_scope(request, id_number)
        data = serializers.DeemedServiceInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _recorded(
            lambda: services.deemed_service_record(
                person=person, province=province, **data.validated_data
            ),
            serializers.DeemedServiceOutput,
        )


class OrganisationalTransferView(APIView):
    """Mark an enrolment as an approved organisational transfer (组织调动, TR-08)."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(request=None, responses=serializers.EnrolmentOutput)
    def post(self, request: Request, pk: int) -> Response:
        enrolment = get_object_or_404(
            scope.agency_rows(request.user, Enrolment.objects.all()), pk=pk
        )
        write_province(request, enrolment.province_id)
        return _recorded(
            lambda: services.enrolment_mark_organisational_transfer(enrolment=enrolment),
            serializers.EnrolmentOutput,
            status_code=status.HTTP_200_OK,
        )


class PersonFactView(APIView):
    """A fact about a person of the caller's scope, recorded by one service: subclasses name
    the input, the output and the service call."""

    permission_classes = [IsProvinceOrCaseworker]
    input_class: type[drf_serializers.Serializer]
    output_class: type[drf_serializers.Serializer]

    def record(self, request: Request, person: InsuredPerson, fact: dict):
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        fact = dict(data.validated_data)
        person = _fact_person(request, fact.pop("id_number"))
        return _recorded(lambda: self.record(request, person, fact), self.output_class)


@extend_schema(
    parameters=[PROVINCE_PARAMETER],
    request=serializers.BenefitPaymentInput,
    responses={201: serializers.BenefitPaymentOutput},
)
class BenefitPaymentView(PersonFactView):
    """A monthly pension the caller's province paid (养老金发放)."""

    input_class = serializers.BenefitPaymentInput
    output_class = serializers.BenefitPaymentOutput

    def record(self, request, person, fact):
        province = write_province(request, province_parameter(request))
        return services.benefit_payment_record(person=person, province=province, **fact)


@extend_schema(
    request=serializers.CertificationInput, responses={201: serializers.CertificationOutput}
)
class CertificationView(PersonFactView):
    """An entitlement certification (领取资格认证) of a pensioner."""

    input_class = serializers.CertificationInput
    output_class = serializers.CertificationOutput

    def record(self, request, person, fact):
        return services.certification_record(person=person, **fact)


@extend_schema(
    request=serializers.BackPaymentEvidenceInput,
    responses={201: serializers.BackPaymentEvidenceOutput},
)
class BackPaymentEvidenceView(PersonFactView):
    """The document behind a lump back-payment of the caller's province (§3.6, RK-09)."""

    input_class = serializers.BackPaymentEvidenceInput
    output_class = serializers.BackPaymentEvidenceOutput

    def record(self, request, person, fact):
        batch = (
            scope.province_rows(request.user, ContributionBatch.objects.all())
            .filter(public_id=fact.pop("batch"))
            .first()
        )
        if batch is None:
            raise refused("batch", "unknown_batch", "No batch of your province has this id.")
        write_province(request, batch.province_id)
        return services.back_payment_evidence_record(person=person, batch=batch, **fact)


# --- Retirement as a case -------------------------------------------------------------------


def _retirement_case(request: Request, person: InsuredPerson) -> dict:
    asked = ChangeRequest.objects.filter(kind=ChangeRequest.Kind.RETIREMENT, person=person).first()
    month = Month.parse(asked.payload["month"]) if asked else None
    return {
        "person": person,
        "facts": retirement_facts(person, today=timezone.localdate(), month=month),
        "request": asked,
    }


class RetirementView(APIView):
    """A person's retirement as a case: the facts the checker reads (window, months against
    the minimum, missed months, claim place), the request and its decision. A province asks
    for it here; a second person, a caseworker, decides in the admin."""

    permission_classes = [IsProvinceOrCaseworker]

    @extend_schema(parameters=[ID_NUMBER_PARAMETER], responses=serializers.RetirementCaseOutput)
    def get(self, request: Request, id_number: str) -> Response:
        person = _person_in_scope(request, id_number)
        record_read(request, [person.pk], "api_retirement")
        return Response(serializers.RetirementCaseOutput(_retirement_case(request, person)).data)

    @extend_schema(
        parameters=[ID_NUMBER_PARAMETER],
        request=serializers.RetirementInput,
        responses={202: serializers.RetirementCaseOutput},
    )
    def post(self, request: Request, id_number: str) -> Response:
        person = _person_in_scope(request, id_number)
        data = serializers.RetirementInput(data=request.data)
        data.is_valid(raise_exception=True)
        month, special = data.validated_data["month"], data.validated_data["special_route"]
        try:
            change_request(
                kind=ChangeRequest.Kind.RETIREMENT,
                subject=person,
                payload={"month": str(month), "special_route": special},
                summary=f"{person}: pension from {month}" + (" (special route)" if special else ""),
                by=request.user,
            )
        except ApprovalError as refusal:
            return Response(
                problem(status=409, title=str(refusal), code="approval_refused"),
                status=status.HTTP_409_CONFLICT,
                content_type="application/problem+json",
            )
        case = _retirement_case(request, person)
        return Response(
            serializers.RetirementCaseOutput(case).data, status=status.HTTP_202_ACCEPTED
        )
