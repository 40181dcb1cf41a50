"""The request of a page that reads `request.htmx`, which django-htmx's middleware sets on
every request (the type its documentation suggests for type checking)."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
