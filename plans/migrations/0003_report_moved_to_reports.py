# Report moved to the reports app (reports/migrations/0001_initial.py takes over its table):
# only Django's record of the model goes; the table and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0002_background_jobs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Report')],
            database_operations=[],
        ),
    ]
