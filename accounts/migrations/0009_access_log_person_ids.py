"""One access-log row per read, naming every person read: a page of a thousand persons is
one row and one link of the chain. Earlier rows become one-person reads; the chain is
made again over them in the order they were written."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

RECHAIN_SQL = """
ALTER TABLE accounts_accesslog DISABLE TRIGGER accounts_accesslog_append_only;
UPDATE accounts_accesslog SET person_ids = ARRAY[person_id];
-- The updates queued deferred foreign-key checks; ALTER TABLE wants none pending.
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE accounts_accesslog DROP COLUMN person_id;
DO $$
DECLARE
    row_id bigint;
    previous text := repeat('0', 64);
    made text;
BEGIN
    SET LOCAL timezone = 'UTC';
    FOR row_id IN SELECT id FROM accounts_accesslog ORDER BY seq LOOP
        UPDATE accounts_accesslog SET prev_hash = previous WHERE id = row_id;
        SELECT audit_row_hash(previous, to_jsonb(a)) INTO made
          FROM accounts_accesslog a WHERE id = row_id;
        UPDATE accounts_accesslog SET hash = made WHERE id = row_id;
        previous := made;
    END LOOP;
END
$$;
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE accounts_accesslog ENABLE TRIGGER accounts_accesslog_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_changerequest")]

    operations = [
        migrations.RemoveIndex(model_name="accesslog", name="access_person_idx"),
        migrations.AddField(
            model_name="accesslog",
            name="person_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                default=list,
                help_text="The persons read.",
                size=None,
            ),
            preserve_default=False,
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(RECHAIN_SQL)],  # one way: reads get merged
            state_operations=[migrations.RemoveField(model_name="accesslog", name="person_id")],
        ),
        migrations.AddIndex(
            model_name="accesslog",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["person_ids"], name="access_persons_idx"
            ),
        ),
    ]
