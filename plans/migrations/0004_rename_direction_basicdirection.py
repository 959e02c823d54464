# A plan's basic direction (추진 방향) was the model `Direction`, a name that read like a KPI's
# direction (increase/decrease). Rows, ids and the unique constraint are kept.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0003_report_moved_to_reports'),
    ]

    operations = [
        migrations.RenameModel(old_name='Direction', new_name='BasicDirection'),
    ]
