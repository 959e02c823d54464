# ImportBatch moved to the imports app (imports/migrations/0001_initial.py takes over its
# table): only Django's record of the model goes; the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0006_history_user_unconstrained'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ImportBatch')],
            database_operations=[],
        ),
    ]
