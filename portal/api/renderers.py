"""text/csv for the usage list (content negotiation: ``Accept: text/csv`` or ``?format=csv``)."""

from __future__ import annotations

import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Lists are streamed by the view (portal.usage.export); this renders only small answers
    such as errors, as one header line and one row."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        out = io.StringIO()
        writer = csv.writer(out)
        if isinstance(data, dict):
            writer.writerow(list(data))
            writer.writerow([str(value) for value in data.values()])
        else:
            writer.writerow([str(data)])
        return out.getvalue().encode()
