# The table of ImportBatch takes this app's name (rows, indexes and the id sequence stay).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='importbatch', table=None),
    ]
