"""Schedule the operations reaper in celery beat (django-celery-beat's DatabaseScheduler).

A data migration rather than code on app ready: the row exists once, staff may change its
interval in the admin, and nothing writes to the database while Django starts.
"""

from django.db import migrations

TASK = "operations.reap_stuck_operations"
NAME = "operations: reap stuck operations"
EVERY_SECONDS = 60


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=EVERY_SECONDS, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "interval": every,
            "queue": "default",
            "enabled": True,
            "description": "Moves operations stuck in running past "
            "OPERATIONS_RUNNING_DEADLINE_SECONDS to verifying and re-enqueues them.",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
