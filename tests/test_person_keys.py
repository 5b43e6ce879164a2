"""Every per-person table carries person_id in its primary key, its unique keys and the
foreign keys that point to it, so the ledger can be distributed by person (docs/scaling.md).
The database's catalogue is checked, not the models' declarations."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from contributions.models import (
    ContributionKind,
    ContributionRecord,
    InsuredPerson,
    PersonIdNumber,
)
from transfers.models import Transfer, TransferStep

# The tables distributed by person: each row belongs to one person.
PERSON_KEYED = {
    "accounts.ActivationCode",
    "contributions.ContributionRecord",
    "contributions.CorrectionCase",
    "contributions.DeemedService",
    "contributions.Enrolment",
    "contributions.PersonalAccountEntry",
    "contributions.Statement",
    "risk.BackPaymentEvidence",
    "risk.BenefitPayment",
    "risk.Certification",
    "transfers.Transfer",
    "transfers.TransferStep",
}
# Tables that name a person but are keyed otherwise, and why.
KEPT_WHOLE = {
    "contributions.InsuredPerson": "the person: distributed by its own id",
    "contributions.PersonIdNumber": "keyed by the ID number: each number's one holder",
    "contributions.SuspenseReinstatement": "one per suspense item, which has no person yet",
    "accounts.ChangeRequest": "may concern an employer or a province instead of a person",
    "accounts.User": "a sign-in account, linked to the insured person it signs in as",
    "risk.RiskFlag": "may concern an employer, a province or the ledger instead of a person",
}


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _points_to_a_person(model: type[models.Model]) -> bool:
    return any(
        field.many_to_one or field.one_to_one
        for field in model._meta.concrete_fields
        if field.is_relation
        and (field.related_model is InsuredPerson or _label(field.related_model) in PERSON_KEYED)
    )


def _keys(table: str, kind: str) -> list[tuple[str, list[str]]]:
    """The (name, columns) of the table's primary key (`kind` p) or of every unique index,
    the primary key's among them (u)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index.relname, array_agg(attribute.attname ORDER BY attribute.attnum)
              FROM pg_index AS pg_index
              JOIN pg_class AS index ON index.oid = pg_index.indexrelid
              JOIN pg_attribute AS attribute
                ON attribute.attrelid = pg_index.indrelid
               AND attribute.attnum = ANY(pg_index.indkey)
             WHERE pg_index.indrelid = %s::regclass
               AND (%s = 'u' AND pg_index.indisunique OR %s = 'p' AND pg_index.indisprimary)
             GROUP BY index.relname
            """,
            [table, kind, kind],
        )
        return cursor.fetchall()


def _foreign_keys_to(table: str) -> list[tuple[str, list[str], list[str]]]:
    """(name, columns, columns referred to) of every foreign key pointing to the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT constraint_.conname,
                   ARRAY(SELECT attname FROM pg_attribute
                          WHERE attrelid = constraint_.conrelid
                            AND attnum = ANY(constraint_.conkey) ORDER BY attnum),
                   ARRAY(SELECT attname FROM pg_attribute
                          WHERE attrelid = constraint_.confrelid
                            AND attnum = ANY(constraint_.confkey) ORDER BY attnum)
              FROM pg_constraint AS constraint_
             WHERE constraint_.contype = 'f' AND constraint_.confrelid = %s::regclass
            """,
            [table],
        )
        return cursor.fetchall()


def test_every_model_naming_a_person_is_classified() -> None:
    naming = {_label(model) for model in apps.get_models() if _points_to_a_person(model)}
    assert naming - PERSON_KEYED - set(KEPT_WHOLE) == set()
    assert naming >= PERSON_KEYED


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(PERSON_KEYED))
def test_person_in_every_key(label: str) -> None:
    model = apps.get_model(label)
    person = model._meta.get_field("person")
    assert person.related_model is InsuredPerson and not person.null
    table = model._meta.db_table
    [(_name, primary)] = _keys(table, "p")
    assert sorted(primary) == ["id", "person_id"]
    for name, columns in _keys(table, "u"):
        assert "person_id" in columns, f"{table}: unique {name} {columns} lacks person_id"
    for name, columns, referred in _foreign_keys_to(table):
        assert "person_id" in columns and "person_id" in referred, f"{name} {columns}"


@pytest.mark.django_db
def test_every_relation_to_a_person_keyed_table_is_enforced() -> None:
    """A foreign key Django leaves to SQL (db_constraint=False) is there, with the person."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and _label(field.related_model) in PERSON_KEYED:
                enforced = {
                    tuple(columns)
                    for _name, columns, _referred in _foreign_keys_to(
                        field.related_model._meta.db_table
                    )
                }
                assert tuple(sorted([field.column, "person_id"])) in {
                    tuple(sorted(columns)) for columns in enforced
                }, f"{_label(model)}.{field.name}"


def _person(id_number: str) -> InsuredPerson:
    return InsuredPerson.objects.create(
        id_number=id_number, name="测试", birth_date=datetime.date(1990, 3, 7), sex="M",
        hukou_province_id="11", retirement_category="M60",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_row_cannot_point_to_another_persons_row() -> None:
    one, other = _person("110101199003071233"), _person("440106199001011235")
    with connection.cursor() as cursor:  # checked now, not at the commit a test never makes
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    record = ContributionRecord.objects.create(
        person=one, province_id="11", scheme="flexible", month=datetime.date(2024, 1, 1),
        base=Decimal("5000"), pooling_part=Decimal("600"), account_part=Decimal("400"),
        kind=ContributionKind.REGULAR,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        ContributionRecord.objects.create(
            person=other, province_id="11", scheme="flexible", month=record.month,
            base=-record.base, pooling_part=-record.pooling_part,
            account_part=-record.account_part, kind=ContributionKind.REVERSAL,
            reversal_of=record, reason="wrong person",
        )  # fmt: skip
    transfer = Transfer.objects.create(
        person=one, from_province_id="11", to_province_id="31",
        applied_on=datetime.date(2025, 1, 6),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferStep.objects.create(
            transfer=transfer, person=other, status=Transfer.Status.APPLIED, on=transfer.applied_on
        )
    TransferStep.objects.create(
        transfer=transfer, person=one, status=Transfer.Status.APPLIED, on=transfer.applied_on
    )
    assert transfer.steps.count() == 1


@pytest.mark.django_db
def test_an_id_number_has_one_holder_kept_by_the_database() -> None:
    """The person's table holds no unique key but its id; the database keeps the ID
    numbers' holders and refuses a second holder."""
    assert [columns for _name, columns in _keys("contributions_insuredperson", "u")] == [["id"]]
    first = _person("110101199003071233")
    with pytest.raises(IntegrityError), transaction.atomic():
        _person("110101199003071233")
    InsuredPerson.objects.filter(pk=first.pk).update(id_number="440106199001011235")
    second = _person("110101199003071233")
    holders = dict(PersonIdNumber.objects.values_list("id_number", "person_id"))
    assert holders == {"440106199001011235": first.pk, "110101199003071233": second.pk}
    second.delete()
    assert dict(PersonIdNumber.objects.values_list("id_number", "person_id")) == {
        "440106199001011235": first.pk
    }
