"""The access log is evidence: like the ledger, it refuses UPDATE and DELETE."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_access_log"),
        ("contributions", "0004_ledger_invariants"),  # defines ledger_refuse_change()
    ]
    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER accounts_accesslog_append_only BEFORE UPDATE OR DELETE "
            "ON accounts_accesslog FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();",
            "DROP TRIGGER IF EXISTS accounts_accesslog_append_only ON accounts_accesslog;",
        )
    ]
