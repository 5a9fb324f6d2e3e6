from celery.signals import task_postrun
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.catalog.models import VendorConnection

from .schedules import schedules_ensure


@receiver(post_save, sender=VendorConnection, dispatch_uid="sync_default_schedules")
def _default_schedules(
    sender, instance: VendorConnection, created: bool, raw: bool = False, **kwargs
):
    """Every new connection gets a sync and a usage schedule, editable in the admin."""
    if created and not raw:
        schedules_ensure(instance)


@task_postrun.connect(dispatch_uid="flush_vendor_call_stats")
def _flush_call_stats(**kwargs):
    """Every task writes the vendor calls it made to the hourly stats before the next one."""
    from .call_stats import flush_call_stats

    flush_call_stats()
