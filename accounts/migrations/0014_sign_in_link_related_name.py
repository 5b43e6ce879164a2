import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_sign_in_link_on_the_user"),
        ("contributions", "0026_sign_in_link_on_the_user"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="insured_person",
            field=models.OneToOneField(
                blank=True,
                help_text="The insured person who signs in with this account (参保人账户).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="user",
                to="contributions.insuredperson",
            ),
        ),
    ]
