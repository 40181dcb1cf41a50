"""The request id on every log line: django-guid keeps the id of the request or task at hand."""

import logging

from django_guid import get_guid


class RequestIdFilter(logging.Filter):
    """Sets `request_id`, the field the log formats name: "-" outside a request or task."""

    def filter(self, record):
        record.request_id = get_guid() or "-"
        return True
