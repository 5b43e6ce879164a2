"""Every per-person table keyed by (id, person_id), and every foreign key to one of them
carrying the person: the shape a database distributed by person (Citus) needs, where a
key must hold the distribution column. `id` leads, so lookups by id keep their index.
Django still treats `id` as the primary key; tests/test_person_keys.py holds the
catalogue to this."""

from django.db import migrations

PERSON_KEYED_TABLES = [
    "accounts_activationcode",
    "contributions_contributionrecord",
    "contributions_correctioncase",
    "contributions_deemedservice",
    "contributions_enrolment",
    "contributions_personalaccountentry",
    "contributions_statement",
    "risk_backpaymentevidence",
    "risk_benefitpayment",
    "risk_certification",
    "transfers_transfer",
    "transfers_transferstep",
]

# (constraint, table, column, table referred to), each with the person beside the column.
PERSON_FOREIGN_KEYS = [
    ("contribution_reversal_of_fk", "contributions_contributionrecord", "reversal_of_id",
     "contributions_contributionrecord"),
    ("account_entry_reversal_of_fk", "contributions_personalaccountentry", "reversal_of_id",
     "contributions_personalaccountentry"),
    ("reinstatement_contribution_fk", "contributions_suspensereinstatement", "contribution_id",
     "contributions_contributionrecord"),
    ("transfer_step_transfer_fk", "transfers_transferstep", "transfer_id", "transfers_transfer"),
]  # fmt: skip


def _keys(column_list: str) -> str:
    return "".join(
        f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey;"
        f" ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY ({column_list});\n"
        for table in PERSON_KEYED_TABLES
    )


FORWARD = _keys("id, person_id") + "".join(
    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}, person_id)"
    f" REFERENCES {target} (id, person_id) DEFERRABLE INITIALLY DEFERRED;\n"
    for name, table, column, target in PERSON_FOREIGN_KEYS
)
BACKWARD = "".join(
    f"ALTER TABLE {table} DROP CONSTRAINT {name};\n"
    for name, table, _column, _target in PERSON_FOREIGN_KEYS
) + _keys("id")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_alter_accesslog_options_alter_activationcode_options_and_more"),
        ("contributions", "0023_person_keyed_fields"),
        ("risk", "0010_ledger_totals"),
        ("transfers", "0007_person_keyed_fields"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
