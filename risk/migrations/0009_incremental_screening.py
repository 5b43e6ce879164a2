"""Incremental screening: runs say what they cover, and triggers note each person whose
screening may have changed (see risk.models.ScreeningChange)."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

# The tables the person rules read, with the column naming the person. Ledger rows are
# append-only, so only their inserts are changes.
PERSON_TABLES = {
    "contributions_insuredperson": ("id", ["INSERT", "UPDATE"]),
    "contributions_enrolment": ("person_id", ["INSERT", "UPDATE", "DELETE"]),
    "contributions_deemedservice": ("person_id", ["INSERT", "UPDATE", "DELETE"]),
    "contributions_contributionrecord": ("person_id", ["INSERT"]),
    "transfers_transfer": ("person_id", ["INSERT", "UPDATE", "DELETE"]),
    "risk_benefitpayment": ("person_id", ["INSERT", "UPDATE", "DELETE"]),
    "risk_certification": ("person_id", ["INSERT", "UPDATE", "DELETE"]),
    "risk_backpaymentevidence": ("person_id", ["INSERT", "UPDATE", "DELETE"]),
}
# A policy year's band and average wage concern everyone who paid in that province-year.
EVERYONE_TABLES = ["contributions_provincepolicy"]

FUNCTION = """
CREATE FUNCTION risk_note_screening_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_NARGS = 0 THEN
        INSERT INTO risk_screeningchange (person_id) VALUES (NULL);
    ELSE
        -- One row per person and statement, however many rows the statement wrote.
        EXECUTE format(
            'INSERT INTO risk_screeningchange (person_id) SELECT DISTINCT %I FROM changed_rows',
            TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;
"""


def _triggers() -> tuple[str, str]:
    create, drop = [FUNCTION], []
    for table, (column, events) in PERSON_TABLES.items():
        for event in events:
            name = f"{table}_screening_{event.lower()}"
            rows = "OLD" if event == "DELETE" else "NEW"
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"REFERENCING {rows} TABLE AS changed_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION risk_note_screening_change('{column}');"
            )
            drop.append(f"DROP TRIGGER {name} ON {table};")
    for table in EVERYONE_TABLES:
        create.append(
            f"CREATE TRIGGER {table}_screening AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION risk_note_screening_change();"
        )
        drop.append(f"DROP TRIGGER {table}_screening ON {table};")
    drop.append("DROP FUNCTION risk_note_screening_change();")
    return "\n".join(create), "\n".join(drop)


CREATE_TRIGGERS, DROP_TRIGGERS = _triggers()

# The ledger-wide rules when slices began to list their rules.
LEDGER_WIDE = {"RK-08", "RK-RC"}


def slices_list_their_rules(apps, schema_editor):
    """A slice still to run gets the rules it would have run: its run's ledger-wide rules
    for the ledger-wide piece, the others for a range."""
    ScreeningSlice = apps.get_model("risk", "ScreeningSlice")
    for piece in ScreeningSlice.objects.filter(is_done=False).select_related("run"):
        ledger_wide = piece.first_person_id is None
        piece.rule_codes = [
            code for code in piece.run.rule_codes if (code in LEDGER_WIDE) == ledger_wide
        ]
        piece.save(update_fields=["rule_codes"])


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0022_alter_contributionbatch_options_and_more"),
        ("risk", "0008_slice_worker"),
        ("transfers", "0006_alter_calendarday_options_alter_transfer_options_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScreeningChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("person_id", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "change to screen",
                "verbose_name_plural": "changes to screen",
            },
        ),
        migrations.AddField(
            model_name="screeningrun",
            name="as_of",
            field=models.DateField(blank=True, help_text="The date the rules judge by.", null=True),
        ),
        migrations.AddField(
            model_name="screeningrun",
            name="scope",
            field=models.CharField(
                choices=[("full", "full (全量)"), ("incremental", "what changed (增量)")],
                default="full",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="screeningrun",
            name="since",
            field=models.ForeignKey(
                blank=True,
                help_text="An incremental run: the completed run it carries on from.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="risk.screeningrun",
            ),
        ),
        migrations.AddField(
            model_name="screeningslice",
            name="person_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                help_text="Only these persons of the range (the changed ones); empty: all of it.",
                null=True,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="screeningslice",
            name="rule_codes",
            field=models.JSONField(blank=True, default=list, help_text="Empty: the run's rules."),
        ),
        migrations.RunSQL(CREATE_TRIGGERS, DROP_TRIGGERS),
        migrations.RunPython(slices_list_their_rules, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="screeningslice",
            name="slice_once_per_run",
        ),
        migrations.AddConstraint(
            model_name="screeningslice",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person_ids__isnull", True)),
                fields=("run", "first_person_id"),
                name="slice_once_per_run",
            ),
        ),
    ]
