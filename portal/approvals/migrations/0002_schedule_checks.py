"""Schedule the approvals' expiry and the month-close check in celery beat (django-celery-beat
rows, like the other periodic tasks: staff may change the times in the admin)."""

from django.db import migrations

TASKS = [
    ("approvals: expire undecided requests", "approvals.expire", {"every": 300},
     "Rejects approvals nobody decided within their policy's expiry."),
    ("notifications: month close blocked", "notifications.check_close_blocked",
     {"crontab": ("45", "6")},
     "Announces a last month still open NOTIFY_CLOSE_BLOCKED_DAYS days on, usage missing."),
]  # fmt: skip


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when, description in TASKS:
        defaults = {"task": task, "queue": "default", "enabled": True, "description": description}
        if "crontab" in when:
            minute, hour = when["crontab"]
            defaults["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*",
                month_of_year="*", timezone="UTC",
            )  # fmt: skip
        else:
            defaults["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=when["every"], period="seconds"
            )
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
