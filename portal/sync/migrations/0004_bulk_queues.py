"""Scheduled syncs and usage collections move from ``vendor.<key>`` to ``vendor.<key>.bulk``.

Messages already waiting in the old queues are not lost: ``portal.core.queues.all_queues`` still
declares them, so a worker started without ``-Q`` drains them.
"""

from django.db import migrations

VENDORS = ("lookout", "bitdefender", "egnyte", "trendmicro", "redstor")


def to_lanes(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for vendor in VENDORS:
        PeriodicTask.objects.filter(queue=f"vendor.{vendor}").update(queue=f"vendor.{vendor}.bulk")


def back(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for vendor in VENDORS:
        PeriodicTask.objects.filter(queue=f"vendor.{vendor}.bulk").update(queue=f"vendor.{vendor}")


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0003_field_help_texts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(to_lanes, back)]
