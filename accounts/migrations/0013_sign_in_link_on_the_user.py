import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_alter_accesslog_options_alter_activationcode_options_and_more"),
        ("contributions", "0025_person_id_number"),
    ]

    operations = [
        # Named "user" on the person once the person's own field is gone (0014).
        migrations.AddField(
            model_name="user",
            name="insured_person",
            field=models.OneToOneField(
                blank=True,
                help_text="The insured person who signs in with this account (参保人账户).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contributions.insuredperson",
            ),
        ),
    ]
