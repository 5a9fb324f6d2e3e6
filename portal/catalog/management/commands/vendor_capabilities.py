"""``python manage.py vendor_capabilities``: print the capability matrix of every vendor."""

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.catalog.capabilities import capability_markdown, capability_notes, vendors_doc


class Command(BaseCommand):
    help = "Print which vendor can do what (native, emulated or unsupported), with the reasons."

    def add_arguments(self, parser):
        parser.add_argument("--notes", action="store_true", help="also list the reasons")
        parser.add_argument("--write-docs", action="store_true", help="regenerate docs/vendors.md")

    def handle(self, *args, notes: bool, write_docs: bool, **options):
        if write_docs:
            path = settings.BASE_DIR / "docs" / "vendors.md"
            path.write_text(vendors_doc(settings.BASE_DIR / "docs"))
            self.stdout.write(f"wrote {path}")
            return
        self.stdout.write(capability_markdown())
        if notes:
            self.stdout.write("\n" + capability_notes())
