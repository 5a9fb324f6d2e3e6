"""Schedule the notification checks and the daily digest in celery beat (django-celery-beat
rows, like the operations reaper: staff may change the times in the admin)."""

from django.db import migrations

TASKS = [
    ("notifications: daily digest", "notifications.send_digests", {"crontab": ("0", "7")},
     "Mails each user the day's notices they chose to receive as a digest."),
    ("notifications: trials and terms ending", "notifications.check_terms",
     {"crontab": ("30", "6")}, "Announces trials and terms ending in NOTIFY_TERM_DAYS days."),
    ("notifications: stuck operations", "notifications.check_stuck", {"every": 300},
     "Announces operations verifying longer than NOTIFY_STUCK_MINUTES."),
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
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
