"""Run the reaper every 5 seconds instead of every minute: a lapsed lease is acted on at once.

The reaper's queries read running operations (few) and overdue open ones through indexes, so
running it this often costs little; recovery after a killed worker becomes one lease, not a
lease plus a minute.
"""

from django.db import migrations

NAME = "operations: reap stuck operations"
EVERY_SECONDS = 5
BEFORE_SECONDS = 60
DESCRIPTION = (
    "Moves running operations whose lease (OPERATIONS_LEASE_SECONDS) lapsed to verifying and "
    "re-enqueues them, and re-enqueues overdue pending or verifying ones."
)


def _every(apps, seconds: int, description: str) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
    PeriodicTask.objects.filter(name=NAME).update(interval=interval, description=description)


def faster(apps, schema_editor):
    _every(apps, EVERY_SECONDS, DESCRIPTION)


def slower(apps, schema_editor):
    _every(apps, BEFORE_SECONDS, "Moves operations stuck in running past the running deadline.")


class Migration(migrations.Migration):
    dependencies = [("operations", "0007_operation_lease")]

    operations = [migrations.RunPython(faster, slower)]
