from django.db import migrations, models
from django.db.models import Sum

GONE_SUBSCRIPTION = ("cancelled", "expired", "missing")


def fill(apps, schema_editor):
    """Existing totals learn their unreported seats now, not at the next sync."""
    totals = apps.get_model("customers", "ConnectionTotals")
    subscription = apps.get_model("customers", "Subscription")
    unreported = dict(
        subscription.objects.exclude(status__in=GONE_SUBSCRIPTION)
        .filter(seats_used__isnull=True)
        .values_list("tenant__connection_id")
        .annotate(n=Sum("seats"))
        .values_list("tenant__connection_id", "n")
        .order_by()
    )
    for connection_id, seats in unreported.items():
        totals.objects.filter(connection_id=connection_id).update(seats_unreported=seats or 0)


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_seat_changes")]

    operations = [
        migrations.AddField(
            model_name="connectiontotals",
            name="seats_unreported",
            field=models.BigIntegerField(
                default=0, help_text="Purchased seats whose used figure the vendor does not report."
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
