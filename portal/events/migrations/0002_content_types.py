# The moved models keep their content types (and so the admin permissions granted on them and
# the admin's change log): the rows are relabelled from "api" to "events" rather than left stale
# beside new ones. A fresh database has none yet (post_migrate creates them): nothing to do.

from django.db import migrations

MODELS = ("webhooksubscription", "webhookdelivery", "webhookattempt")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _relabel(apps, "api", "events")


def backwards(apps, schema_editor):
    _relabel(apps, "events", "api")


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
