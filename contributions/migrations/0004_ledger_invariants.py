"""Ledger invariants the database holds whatever the code does.

- Append-only: UPDATE and DELETE on ledger tables are refused by a statement trigger. A
  correction is a reversing row plus a new row. (TRUNCATE, an administrator's tool used
  by test isolation, is not a row change and is not covered.)
- Balance: at commit, each journal entry's lines sum to zero in each province and the
  entry has at least two lines (deferred constraint triggers, so lines may be inserted
  one by one inside the transaction).
"""

from django.db import migrations

APPEND_ONLY_TABLES = [
    "contributions_contributionrecord",
    "contributions_personalaccountentry",
    "contributions_journalentry",
    "contributions_journalline",
    "contributions_suspenseitem",
    "contributions_suspensereinstatement",
]

FUNCTIONS = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger table % is append-only: % refused; post a reversal instead',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE FUNCTION journal_entry_check_balance(entry bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    legs integer;
    unbalanced record;
BEGIN
    SELECT count(*) INTO legs FROM contributions_journalline WHERE entry_id = entry;
    IF legs < 2 THEN
        RAISE EXCEPTION 'journal entry % has % line(s); an entry needs at least two', entry, legs
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT province_id, sum(amount) AS total INTO unbalanced
      FROM contributions_journalline WHERE entry_id = entry
     GROUP BY province_id HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: province % lines sum to %',
            entry, unbalanced.province_id, unbalanced.total
            USING ERRCODE = 'check_violation';
    END IF;
END
$$;

CREATE FUNCTION journal_line_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM journal_entry_check_balance(NEW.entry_id);
    RETURN NULL;
END
$$;

CREATE FUNCTION journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM journal_entry_check_balance(NEW.id);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER journal_line_balanced
    AFTER INSERT ON contributions_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_line_balanced();

CREATE CONSTRAINT TRIGGER journal_entry_balanced
    AFTER INSERT ON contributions_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced();
"""

APPEND_ONLY = "\n".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();"
    for table in APPEND_ONLY_TABLES
)

REVERSE = (
    "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in APPEND_ONLY_TABLES
    )
    + """
DROP TRIGGER IF EXISTS journal_line_balanced ON contributions_journalline;
DROP TRIGGER IF EXISTS journal_entry_balanced ON contributions_journalentry;
DROP FUNCTION IF EXISTS journal_line_balanced();
DROP FUNCTION IF EXISTS journal_entry_balanced();
DROP FUNCTION IF EXISTS journal_entry_check_balance(bigint);
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""
)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0003_ledger")]
    operations = [migrations.RunSQL(FUNCTIONS + APPEND_ONLY, REVERSE)]
