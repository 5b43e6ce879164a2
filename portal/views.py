"""Pages of the insured person's portal (个人网页): sign-in, the record, the access log.

Each page reads through the selectors and writes through the services; who the person is
comes from the scope module, so a person reaches only their own record.
"""

import csv
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scope
from accounts.activation import ActivationError, person_identity
from accounts.models import AccessLog, OutboxMessage
from contributions import rules, selectors, services
from contributions.models import CorrectionCase, Enrolment, InsuredPerson
from contributions.rules import Month
from contributions.services import LedgerError
from portal.forms import (
    ActivationFinishForm,
    ActivationStartForm,
    CorrectionReportForm,
    EstimateAssumptionsForm,
    PersonSignInForm,
    TransferApplicationForm,
)
from portal.record import CareerYear, career_picture, record_grid
from portal.statement import statement_pdf
from transfers import rules as transfer_rules
from transfers import selectors as transfer_selectors
from transfers import services as transfer_services

PersonView = Callable[..., HttpResponse]


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: what the portal is, and where each kind of user goes."""
    return render(request, "portal/home.html")


# --- Signing in ---------------------------------------------------------------------------


class SignInView(LoginView):
    """Sign-in with the ID number and a password (locked after repeated failures)."""

    form_class = PersonSignInForm
    template_name = "portal/signin.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return "/me/"


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("signin")


def activate(request: HttpRequest) -> HttpResponse:
    """First sign-in: prove who you are with a code to your registered mobile, then choose a
    password. Two steps; the ID number waits in the session between them."""
    identity = person_identity()
    pending = request.session.get("activation_id_number")
    if request.method == "POST" and "code" in request.POST and pending:
        form = ActivationFinishForm(request.POST)
        if form.is_valid():
            try:
                user = identity.finish(
                    id_number=pending,
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password"],
                )
            except ActivationError as refused:
                form.add_error(refused.field, refused.message)
            else:
                del request.session["activation_id_number"]
                login(request, user, backend="accounts.backends.UserBackend")
                return redirect("me-home")
        return render(request, "portal/activate.html", {"finish": form, "sent_to": pending})
    if request.method == "POST":
        start = ActivationStartForm(request.POST)
        if start.is_valid():
            try:
                sent_to = identity.start(
                    id_number=start.cleaned_data["id_number"], name=start.cleaned_data["name"]
                )
            except ActivationError as refused:
                start.add_error(refused.field, refused.message)
            else:
                request.session["activation_id_number"] = start.cleaned_data["id_number"]
                return render(
                    request,
                    "portal/activate.html",
                    {"finish": ActivationFinishForm(), "sent_to": sent_to},
                )
        return render(request, "portal/activate.html", {"start": start})
    return render(request, "portal/activate.html", {"start": ActivationStartForm()})


def development_outbox(request: HttpRequest) -> HttpResponse:
    """The text messages the development gateway "sent" (development only)."""
    if settings.ENVIRONMENT != "development" and not settings.DEBUG:
        raise Http404
    messages = OutboxMessage.objects.all()[:20]
    return render(request, "portal/outbox.html", {"messages": messages})


# --- The person's pages -------------------------------------------------------------------


def person_required(view: PersonView) -> PersonView:
    """Signed in as an insured person; the view receives that person."""

    @wraps(view)
    @login_required(login_url="signin")
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        person = scope.own_person(request.user)
        if person is None:
            return render(request, "portal/not_a_person.html", status=403)
        return view(request, person, *args, **kwargs)

    return wrapper


def _retirement(person: InsuredPerson) -> tuple[rules.StatutoryRetirement, Month, Month]:
    """The statutory retirement and the flexible window (earliest, latest) of a person."""
    birth_month = Month.from_date(person.birth_date)
    category = rules.RetirementCategory(person.retirement_category)
    earliest, latest = rules.flexible_window(birth_month=birth_month, category=category)
    statutory = rules.statutory_retirement(birth_month=birth_month, category=category)
    return statutory, earliest, latest


@person_required
def me_home(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Home (电子档案袋): who, where insured now, months against the minimum, balance,
    retirement month and window, and how fresh each province's data is."""
    today = timezone.localdate()
    this_month = Month.from_date(today)
    statutory, earliest, latest = _retirement(person)
    enrolments = list(
        Enrolment.objects.filter(person=person).select_related("province", "employer")
    )
    context = {
        "person": person,
        "current": [e for e in enrolments if e.status == Enrolment.Status.ACTIVE],
        "months": selectors.contribution_months(person_id=person.pk, before=this_month + 1),
        "minimum_months": rules.minimum_contribution_months(statutory.month.year),
        "balance": selectors.account_balance_to_date(person_id=person.pk, as_of=today),
        "statutory": statutory,
        "earliest": earliest,
        "latest": latest,
        "freshness": selectors.province_freshness({e.province_id for e in enrolments}),
    }
    return render(request, "portal/me/home.html", context)


@person_required
def me_record(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """The record: the career and a year × month grid across provinces; ?month=YYYY-MM
    opens a month.

    The page is rendered once per version of the person's record (and month, language,
    text size and opened month) and kept in the cache with a slot for the form token: a
    posting for the person changes the version, so a changed record is never shown stale.
    """
    this_month = Month.from_date(timezone.localdate())
    opened = _opened_month(request)
    # Any other query string is rendered but not kept: no one fills the cache with variants.
    keep = not request.GET or (opened is not None and list(request.GET) == ["month"])
    version_key = selectors.record_version_key(person.pk)
    page_key = (
        f"record-page:{person.pk}:{this_month}:{get_language()}:"
        f"{request.user.prefers_large_text}:{opened}"
    )
    # The version and the kept page in one read; the page is good only for that version.
    found = cache.get_many([version_key, page_key]) if keep else {}
    version, kept = found.get(version_key), found.get(page_key)
    if version is not None and kept is not None and kept[0] == version:
        page = kept[1]
    else:
        version = version or selectors.record_version(person_id=person.pk)
        page = _record_page(request, person, this_month, opened).encode()
        if keep:
            cache.set(page_key, (version, page), RECORD_PAGE_SECONDS)
    return HttpResponse(page.replace(CSRF_SLOT, get_token(request).encode()))


# How long a rendering of a record is kept: a posting outdates it at once; this bounds how
# long a changed average wage (the career picture) takes to show.
RECORD_PAGE_SECONDS = 24 * 3600
# Rendered in place of the form token in a kept page, and replaced by the request's own.
CSRF_SLOT = b"csrf-token-slot-4f1d9a"


def _opened_month(request: HttpRequest) -> Month | None:
    try:
        return Month.parse(request.GET["month"]) if "month" in request.GET else None
    except ValueError:
        return None


def _record_page(
    request: HttpRequest, person: InsuredPerson, this_month: Month, opened: Month | None
) -> str:
    entries = selectors.record_entries(person_id=person.pk)
    grid = record_grid(entries, until=this_month)
    wages = selectors.average_wages({e.province for e in entries}, {e.month.year for e in entries})
    career = career_picture(entries, wages=wages, colours=grid.colours, until=this_month)
    context = {
        "grid": grid,
        "career": [
            {"year": year, "x": 30 + 14 * n, "bars": _career_bars(year, 30 + 14 * n)}
            for n, year in enumerate(career)
        ],
        "career_width": 40 + 14 * len(career),
        "opened": opened,
        "opened_entries": [e for e in entries if e.month == opened],
        "csrf_token": CSRF_SLOT.decode(),
    }
    return render_to_string("portal/me/record.html", context, request=request)


@person_required
def me_gaps(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """The months missing from the record (统一提醒): each run payable, closed or explained,
    with what can still be done."""
    runs = selectors.record_gaps(
        person_id=person.pk,
        as_of=timezone.localdate(),
        transfers_from=transfer_selectors.sending_provinces_in_flight(person_id=person.pk),
    )
    totals = {
        "payable": sum(run.months for run in runs if run.kind.payable),
        "closed": sum(run.months for run in runs if run.kind.closed),
        "explained": sum(run.months for run in runs if not (run.kind.payable or run.kind.closed)),
    }
    return render(request, "portal/me/gaps.html", {"runs": runs, "totals": totals})


CHART_STEP_MONTHS = 6


@person_required
def me_estimate(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """An estimate of the monthly pension from the person's own record, with assumptions
    the person may change, and what retiring earlier or later in the window changes."""
    today = timezone.localdate()
    now = Month.from_date(today)
    retirement_facts, earliest, latest = _retirement(person)
    statutory = retirement_facts.month
    first = max(earliest, now + 1)
    months = [first + n for n in range(first.months_until(latest) + 1)]
    if not months:
        return render(request, "portal/me/estimate.html", {"months": months})
    default_month = statutory if statutory in months else months[0]
    form = EstimateAssumptionsForm(request.GET or None, months=[str(m) for m in months])
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else None
    retirement = Month.parse(chosen["retirement"]) if chosen else default_month
    basis = transfer_selectors.pension_basis(person, retirement=retirement, as_of=today)
    assumptions = basis.default_assumptions(retirement)
    form.initial = {  # the form shows percentages
        "retirement": str(default_month),
        "base_index": assumptions.base_index,
        "wage_growth": assumptions.wage_growth * 100,
        "crediting_rate": (assumptions.crediting_rate * 100).quantize(Decimal("0.01")),
    }
    if chosen:
        assumptions = replace(
            assumptions,
            base_index=chosen["base_index"],
            wage_growth=chosen["wage_growth"] / 100,
            crediting_rate=chosen["crediting_rate"] / 100,
        )
    context: dict = {
        "months": months,
        "inputs": basis.inputs,
        "form": form,
        "claim": basis.claim,
        "policy": basis.policy,
    }
    if basis.policy is None:
        return render(request, "portal/me/estimate.html", context)

    def project(retirement: Month) -> rules.Projection:
        return basis.project(replace(assumptions, retirement=retirement))

    steps = months[::CHART_STEP_MONTHS]
    if steps[-1] != months[-1]:
        steps.append(months[-1])
    chart = [project(month) for month in steps]
    highest = max(p.estimate.total for p in chart) or Decimal(1)
    context |= {
        "projection": project(retirement),
        "rate_year": now.year,
        "rate_provisional": basis.crediting_rate_provisional,
        "statutory": statutory,
        "chart": [
            {"projection": p, "height": height, "y": 180 - height, "x": 10 + 34 * i}
            for i, p in enumerate(chart)
            for height in [int(p.estimate.total / highest * 160)]
        ],
        "chart_width": 20 + 34 * len(chart),
    }
    return render(request, "portal/me/estimate.html", context)


# Fields of a refused application, as the transfer service names them.
TRANSFER_FIELDS = {"from": "from_province", "to": "to_province"}


@person_required
def me_transfers(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Apply for a transfer (转移接续申请) and follow each one: its steps with their dates,
    which office must act now, and by when."""
    paid_in = {
        entry.province: entry.province_name
        for entry in selectors.record_entries(person_id=person.pk)
        if entry.stands
    }
    enrolled_in = {
        e.province_id: e.province.name_zh
        for e in Enrolment.objects.filter(person=person).select_related("province")
        if e.status == Enrolment.Status.ACTIVE
    }
    form = TransferApplicationForm(
        request.POST or None,
        sending=sorted(paid_in.items()),
        receiving=sorted(enrolled_in.items()),
    )
    if request.method == "POST" and form.is_valid():
        try:
            transfer_services.transfer_apply(
                person=person,
                from_province=form.cleaned_data["from_province"],
                to_province=form.cleaned_data["to_province"],
                applied_on=timezone.localdate(),
                by=request.user,
            )
        except LedgerError as refused:
            form.add_error(TRANSFER_FIELDS.get(refused.field or ""), refused.message)
        else:
            return redirect("me-transfers")
    transfers = [
        {
            "transfer": transfer,
            "steps": list(transfer.steps.all()),
            "acting": {
                "receiving": transfer.to_province,
                "sending": transfer.from_province,
            }.get(transfer_rules.acting_office(transfer.status) or ""),
        }
        for transfer in transfer_selectors.person_transfers(person_id=person.pk)
    ]
    return render(request, "portal/me/transfers.html", {"form": form, "transfers": transfers})


@person_required
def me_corrections(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Report a month of the record as wrong (核对申请) to the province's caseworkers, and
    read their decisions."""
    provinces = {
        entry.province: entry.province_name
        for entry in selectors.record_entries(person_id=person.pk)
    }
    form = CorrectionReportForm(
        request.POST or None,
        provinces=sorted(provinces.items()),
        initial={"month": request.GET.get("month", "")[:7]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_report(
                person=person,
                province=form.cleaned_data["province"],
                month=Month.parse(form.cleaned_data["month"]),
                report=form.cleaned_data["report"],
            )
        except LedgerError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return redirect("me-corrections")
    cases = CorrectionCase.objects.filter(person=person).select_related("province")
    return render(request, "portal/me/corrections.html", {"form": form, "cases": cases})


# The career picture: 120 px for an index of 3 (three times the average wage, the ceiling).
CAREER_SCALE = 40


def _career_bars(year: CareerYear, x: int) -> list[dict]:
    """A year's provinces side by side in its 12 px column, a pixel for each month paid."""
    bars, offset = [], 0
    for bar in year.bars:
        width = bar.months
        height = int(min(bar.index or 0, 3) * CAREER_SCALE)
        bars.append(
            {"bar": bar, "x": x + offset, "width": width, "y": 130 - height, "height": height}
        )
        offset += width
    return bars


CSV_COLUMNS = [
    "month", "province", "province_name", "employer", "scheme", "base", "pooling_part",
    "account_part", "kind", "temporary_account", "status", "reason", "posted_at", "batch",
]  # fmt: skip


def _csv_text(value: object) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@person_required
def me_record_csv(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Every record of the person, the grid's months with their details, as CSV."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pension-record.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 Chinese names
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in selectors.record_entries(person_id=person.pk):
        status = "standing" if entry.stands else ("reversal" if entry.reversal_of else "reversed")
        row = [
            entry.month, entry.province, entry.province_name, _csv_text(entry.employer),
            entry.scheme, entry.base, entry.pooling_part, entry.account_part, entry.kind,
            "yes" if entry.is_temporary_account else "no", status, _csv_text(entry.reason),
            timezone.localtime(entry.posted_at).isoformat(timespec="seconds"), entry.batch,
        ]  # fmt: skip
        writer.writerow(row)
    return response


@person_required
def me_statement(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """The statement of the record (个人权益记录单) as a PDF; each download is a new issue
    with its own code, verifiable at /verify/<code>/."""
    today = timezone.localdate()
    record = selectors.person_record(person_id=person.pk, as_of=today)
    code = services.statement_code()
    issued_at = timezone.localtime()
    pdf = statement_pdf(
        person=person,
        as_of=today,
        issued_at=issued_at,
        code=code,
        verify_url=request.build_absolute_uri(reverse("verify", args=[code])),
        contribution_months=selectors.contribution_months(
            person_id=person.pk, before=Month.from_date(today) + 1
        ),
        balance=record.account_balance,
        months_by_province=record.months_by_province,
        entries=selectors.record_entries(person_id=person.pk),
    )
    services.statement_record(person=person, as_of=today, issued_at=issued_at, code=code, pdf=pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{code}.pdf"'
    return response


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: confirms that a statement was issued, when, and its file's hash, showing of
    the person only what the paper shows (the masked ID number, the name's first character)."""
    statement = selectors.statement_by_code(code)
    return render(
        request,
        "portal/verify.html",
        {"statement": statement, "code": code},
        status=200 if statement else 404,
    )


@person_required
def me_access_log(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Who looked at my record (查询记录): the agency or province system, when and why,
    never the caseworker's name."""
    reads = (
        AccessLog.objects.filter(person_ids__contains=[person.pk])
        .select_related("agency", "api_client__province")
        .order_by("-at")[:200]
    )
    rows = [
        {
            "at": read.at,
            "who": read.agency.name
            if read.agency
            else _("Provincial system of %(province)s")
            % {"province": read.api_client.province.name_zh},
            "purpose": read.purpose,
        }
        for read in reads
    ]
    return render(request, "portal/me/access_log.html", {"person": person, "rows": rows})


@person_required
def me_keep_alive(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Nothing but the request itself, which extends the session ("stay signed in")."""
    return HttpResponse(status=204)


@person_required
@require_POST
def me_large_text(request: HttpRequest, person: InsuredPerson) -> HttpResponse:
    """Turn large text and high contrast on or off; remembered for the person."""
    user = request.user
    user.prefers_large_text = not user.prefers_large_text
    user.save(update_fields=["prefers_large_text"])
    target = request.POST.get("next", "/me/")
    return redirect(target if target.startswith("/me/") else "/me/")
