from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_sign_in_link_on_the_user"),
        ("contributions", "0025_person_id_number"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE accounts_user AS account SET insured_person_id = person.id"
            " FROM contributions_insuredperson AS person WHERE person.user_id = account.id",
            "UPDATE contributions_insuredperson AS person SET user_id = account.id"
            " FROM accounts_user AS account WHERE account.insured_person_id = person.id",
        ),
        migrations.RemoveField(model_name="insuredperson", name="user"),
    ]
