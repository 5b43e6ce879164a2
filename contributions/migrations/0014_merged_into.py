from django.db import migrations, models
from django.db.models import F, Q


class Migration(migrations.Migration):
    """The merge pointer of a duplicate record says what it is."""

    dependencies = [("contributions", "0013_api_write_permission")]

    operations = [
        migrations.RemoveConstraint(
            model_name="insuredperson", name="person_not_merged_into_itself"
        ),
        migrations.RenameField(
            model_name="insuredperson", old_name="retired_into", new_name="merged_into"
        ),
        migrations.AddConstraint(
            model_name="insuredperson",
            constraint=models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="person_not_merged_into_itself"
            ),
        ),
    ]
