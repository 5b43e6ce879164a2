"""Who may see and do what (权限范围): the one place every channel asks.

Three kinds of principal reach the ledger:

- a caseworker (a staff user with an agency) sees the subtree of their agency across the
  five levels: the national agency the nation, a provincial agency its province, a city,
  county or township agency the enrolments and employers it or an agency below it handles,
  and the persons of those enrolments;
- a provincial system (an API key) sees its province, as a provincial agency does;
- an insured person sees themselves only.

Superusers see the nation. Anyone else sees nothing. Rows keyed by province only (the fund
journal, batches, suspense, policies) are seen from provincial level upwards; below it a
caseworker sees the rows of their persons.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.authentication import ProvincialSystem
from accounts.models import Agency, User
from contributions.models import ContributionRecord, Enrolment, InsuredPerson

Principal = User | ProvincialSystem


class OutOfScope(Exception):
    """A principal asked to act on a row outside its scope."""

    def __init__(self, message: str, *, code: str = "out_of_scope", field: str = "") -> None:
        super().__init__(message)
        self.message, self.code, self.field = message, code, field


@dataclass(frozen=True)
class Scope:
    """What a principal may see.

    The nation; or whole `provinces`; or, below provincial level, the `agencies` of a
    subtree in its province; or one insured person (`person_id`).
    """

    provinces: frozenset[str] = frozenset()
    is_nation: bool = False
    agencies: frozenset[int] | None = None
    person_id: int | None = None

    @property
    def whole_provinces(self) -> bool:
        """True when the scope is made of whole provinces (or the nation)."""
        return self.agencies is None and self.person_id is None


NOTHING = Scope()
NATION = Scope(is_nation=True)

# A queryset of any model: the scope applies to rows of every kind.
Rows = QuerySet[Any]


def agency_subtree(agency: Agency) -> frozenset[int]:
    """The agency and every agency below it (at most four levels deep)."""
    found = {agency.pk}
    frontier = {agency.pk}
    while frontier:
        frontier = set(Agency.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        found |= frontier
    return frozenset(found)


def scope_of(principal: Principal | None) -> Scope:
    """The scope of a caseworker, a provincial system or an insured person (worked out
    once per user object, that is once per request)."""
    if isinstance(principal, User):
        cached: Scope | None = principal.__dict__.get("_scope")
        if cached is None:
            cached = principal.__dict__["_scope"] = _scope_of_user(principal)
        return cached
    if isinstance(principal, ProvincialSystem):
        return Scope(provinces=frozenset({principal.province_id}))
    return NOTHING


def _scope_of_user(principal: User) -> Scope:
    if not principal.is_active:
        return NOTHING
    if principal.is_superuser:
        return NATION
    agency = principal.agency if principal.is_staff else None
    if agency is not None:
        province = agency.province_id
        if agency.level == Agency.Level.NATIONAL or province is None:
            return NATION
        if agency.level == Agency.Level.PROVINCE:
            return Scope(provinces=frozenset({province}))
        return Scope(provinces=frozenset({province}), agencies=agency_subtree(agency))
    person = getattr(principal, "insured_person", None)
    if person is not None:
        return Scope(person_id=person.pk)
    return NOTHING


def own_person(principal: Principal | None) -> InsuredPerson | None:
    """The insured person a principal is, if it is one: a person sees only themselves."""
    if not isinstance(principal, User) or scope_of(principal).person_id is None:
        return None
    return principal.insured_person  # scope_of has loaded it


def provinces(principal: Principal | None) -> set[str] | None:
    """Province codes a principal sees whole; None means every province.

    A caseworker below provincial level and an insured person see no whole province.
    """
    scope = scope_of(principal)
    if scope.is_nation:
        return None
    return set(scope.provinces) if scope.whole_provinces else set()


def persons(principal: Principal | None, queryset: Rows | None = None) -> Rows:
    """Insured persons a principal may see.

    In a province: insured there (enrolled or paid) or with hukou there. Below provincial
    level: enrolled with an agency of the subtree.
    """
    queryset = InsuredPerson.objects.all() if queryset is None else queryset
    scope = scope_of(principal)
    if scope.is_nation:
        return queryset
    if scope.person_id is not None:
        return queryset.filter(pk=scope.person_id)
    if scope.agencies is not None:
        handled = Enrolment.objects.filter(person=OuterRef("pk"), agency__in=scope.agencies)
        return queryset.filter(Exists(handled))
    enrolled = Enrolment.objects.filter(person=OuterRef("pk"), province__in=scope.provinces)
    paid = ContributionRecord.objects.filter(person=OuterRef("pk"), province__in=scope.provinces)
    return queryset.filter(Q(hukou_province__in=scope.provinces) | Exists(enrolled) | Exists(paid))


def province_rows(principal: Principal | None, queryset: Rows, field: str = "province") -> Rows:
    """Rows keyed by province that a principal may see: whole provinces only."""
    seen = provinces(principal)
    if seen is None:
        return queryset
    # Through a relation (a journal entry's lines), a row may match more than once.
    matched = queryset.filter(**{f"{field}__in": seen})
    return matched.distinct() if "__" in field else matched


def person_rows(
    principal: Principal | None,
    queryset: Rows,
    *,
    person_field: str = "person",
    province_fields: tuple[str, ...] = ("province",),
) -> Rows:
    """Rows about one person each (records, account entries, flags, transfers).

    Whole provinces see the rows of their provinces (in any of `province_fields`; none
    means through the person); below provincial level, the rows of the subtree's persons
    in its province; an insured person, their own rows.
    """
    scope = scope_of(principal)
    if scope.is_nation:
        return queryset
    if scope.person_id is not None:
        return queryset.filter(**{f"{person_field}_id": scope.person_id})
    in_provinces = Q()
    for field in province_fields:
        in_provinces |= Q(**{f"{field}__in": scope.provinces})
    if scope.whole_provinces and province_fields:
        return queryset.filter(in_provinces)
    visible = persons(principal).values("pk")
    return queryset.filter(in_provinces, **{f"{person_field}__in": visible})


def _by_agency(principal: Principal | None, queryset: Rows, agency_field: str) -> Rows:
    scope = scope_of(principal)
    if scope.is_nation:
        return queryset
    if scope.agencies is not None:
        return queryset.filter(**{f"{agency_field}__in": scope.agencies})
    if scope.whole_provinces:
        return queryset.filter(province__in=scope.provinces)
    return queryset.none()


def agency_rows(principal: Principal | None, queryset: Rows) -> Rows:
    """Rows handled by an agency (employers, enrolments): the subtree's, or whole provinces'."""
    return _by_agency(principal, queryset, "agency")


def agencies(principal: Principal | None, queryset: Rows | None = None) -> Rows:
    """Agencies a principal may see: its own subtree."""
    return _by_agency(principal, Agency.objects.all() if queryset is None else queryset, "pk")


def users(principal: Principal | None, queryset: Rows | None = None) -> Rows:
    """Staff users a principal may see: those of the agencies it sees."""
    queryset = User.objects.all() if queryset is None else queryset
    if scope_of(principal).is_nation:
        return queryset
    return queryset.filter(agency__in=agencies(principal).values("pk"))


@dataclass(frozen=True)
class RowRule:
    """How the rows of a model are scoped, declared once per admin and list.

    kind: "reference" (public reference data: every signed-in principal sees it),
    "nation" (national rows: the national agency only), "province" (rows keyed by
    province; a field through a relation reads the related rows), "person" (rows about a
    person), "agency" (rows an agency handles), "agencies", "users" or "persons".
    """

    kind: str
    person_field: str = "person"
    province_fields: tuple[str, ...] = ("province",)


# The rules of the rows more than one channel lists (the admin, the API, the desk).
TRANSFER_ROWS = RowRule("person", province_fields=("from_province", "to_province"))
FLAG_ROWS = RowRule("person")
SCREENING_ROWS = RowRule("province")
CHANGE_REQUEST_ROWS = RowRule("person", province_fields=("province",))
CORRECTION_ROWS = RowRule("person", province_fields=("province",))


def rows(principal: Principal | None, queryset: Rows, rule: RowRule) -> Rows:
    """The rows of `queryset` a principal may see under `rule`."""
    if rule.kind == "reference":
        return queryset if scope_of(principal) != NOTHING else queryset.none()
    if rule.kind == "nation":
        return queryset if scope_of(principal).is_nation else queryset.none()
    if rule.kind == "province":
        [field] = rule.province_fields
        return province_rows(principal, queryset, field)
    if rule.kind == "person":
        return person_rows(
            principal,
            queryset,
            person_field=rule.person_field,
            province_fields=rule.province_fields,
        )
    if rule.kind == "agency":
        return agency_rows(principal, queryset)
    if rule.kind == "agencies":
        return agencies(principal, queryset)
    if rule.kind == "users":
        return users(principal, queryset)
    if rule.kind == "persons":
        return persons(principal, queryset)
    raise ValueError(f"unknown scope rule {rule.kind!r}")


def write_province(principal: Principal, requested: str | None) -> str:
    """The province a provincial write goes to: the key's own, or a caseworker's named one.

    Only whole provinces write through the provincial channel.
    """
    if isinstance(principal, ProvincialSystem):
        if requested not in (None, "", principal.province_id):
            raise OutOfScope(
                f"This key writes only province {principal.province_id}'s records.",
                field="province",
            )
        return principal.province_id
    if not requested:
        raise OutOfScope("A caseworker names the province.", code="required", field="province")
    if not may_write_province(principal, requested):
        raise OutOfScope(f"Province {requested} is outside your scope.", field="province")
    return requested


def may_write_province(principal: Principal | None, province: str) -> bool:
    """Whether a principal writes the records of this whole province."""
    seen = provinces(principal)
    return seen is None or province in seen


def actor(principal: Principal | None) -> str:
    """How audit rows name a principal: user:<id>, client:<id> or system."""
    if isinstance(principal, ProvincialSystem):
        return principal.pk
    return f"user:{principal.pk}" if principal is not None else "system"
