"""The ID number's uniqueness moves from the person's table to PersonIdNumber, which
statement triggers on the person's table keep: a person added, renumbered or removed
adds, moves or removes the number's row, and a number already held fails the statement
with a unique violation, as the unique index did."""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS = """
INSERT INTO contributions_personidnumber (id_number, person_id)
SELECT id_number, id FROM contributions_insuredperson;

CREATE FUNCTION person_id_number_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contributions_personidnumber (id_number, person_id)
    SELECT id_number, id FROM added_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION person_id_number_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contributions_personidnumber AS held
     USING old_rows JOIN new_rows USING (id)
     WHERE old_rows.id_number <> new_rows.id_number AND held.id_number = old_rows.id_number;
    INSERT INTO contributions_personidnumber (id_number, person_id)
    SELECT new_rows.id_number, new_rows.id FROM old_rows JOIN new_rows USING (id)
     WHERE old_rows.id_number <> new_rows.id_number;
    RETURN NULL;
END $$;

CREATE FUNCTION person_id_number_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contributions_personidnumber AS held
     USING old_rows WHERE held.id_number = old_rows.id_number AND held.person_id = old_rows.id;
    RETURN NULL;
END $$;

CREATE TRIGGER person_id_number_added AFTER INSERT ON contributions_insuredperson
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION person_id_number_added();
CREATE TRIGGER person_id_number_changed AFTER UPDATE ON contributions_insuredperson
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION person_id_number_changed();
CREATE TRIGGER person_id_number_removed AFTER DELETE ON contributions_insuredperson
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION person_id_number_removed();
"""

DROP_TRIGGERS = """
DROP TRIGGER person_id_number_added ON contributions_insuredperson;
DROP TRIGGER person_id_number_changed ON contributions_insuredperson;
DROP TRIGGER person_id_number_removed ON contributions_insuredperson;
DROP FUNCTION person_id_number_added();
DROP FUNCTION person_id_number_changed();
DROP FUNCTION person_id_number_removed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0024_person_keys"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonIdNumber",
            fields=[
                ("id_number", models.CharField(max_length=18, primary_key=True, serialize=False)),
                (
                    "person",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contributions.insuredperson",
                    ),
                ),
            ],
            options={
                "verbose_name": "ID number holder",
                "verbose_name_plural": "ID number holders",
            },
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AlterField(
            model_name="insuredperson",
            name="id_number",
            field=models.CharField(
                db_index=True, max_length=18, verbose_name="ID number (公民身份号码)"
            ),
        ),
    ]
