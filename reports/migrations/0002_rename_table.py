# The table of Report takes this app's name (rows, indexes and the id sequence stay).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='report', table=None),
    ]
