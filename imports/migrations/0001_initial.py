# ImportBatch, moved here from the indicators app: the model takes over the existing table
# indicators_importbatch with every row in it (no database change), and its content type
# (with the permissions and admin history attached to it) moves along. 0002 then gives the
# table this app's name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="indicators", new="imports"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias
    )
    if not content_types.filter(app_label=new, model="importbatch").exists():
        content_types.filter(app_label=old, model="importbatch").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="imports", new="indicators")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('indicators', '0006_history_user_unconstrained'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                        ('state', models.CharField(choices=[('checking', 'Checking'), ('checked', 'Checked'), ('applying', 'Writing'), ('applied', 'Applied'), ('failed', 'Failed')], default='checking', max_length=10, verbose_name='state')),
                        ('content', models.BinaryField(blank=True, null=True, verbose_name='file content')),
                        ('rows_data', models.BinaryField(blank=True, null=True, verbose_name='checked rows')),
                        ('writes_data', models.BinaryField(blank=True, null=True, verbose_name='rows to write')),
                        ('rows_total', models.PositiveIntegerField(default=0, verbose_name='rows')),
                        ('rows_checked', models.PositiveIntegerField(default=0, verbose_name='rows checked')),
                        ('rows_written', models.PositiveIntegerField(default=0, verbose_name='rows written')),
                        ('problem_count', models.PositiveIntegerField(default=0, verbose_name='problems')),
                        ('message', models.TextField(blank=True, verbose_name='message')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                    ],
                    options={
                        'verbose_name': 'spreadsheet import',
                        'verbose_name_plural': 'spreadsheet imports',
                        'ordering': ['-created_at'],
                        'db_table': 'indicators_importbatch',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
