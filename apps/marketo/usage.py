"""Usage and error statistics (help/rest-api/usage.md). Marketo keeps only 7 days."""

from typing import Any

from apps.marketo.client import MarketoClient


def usage_today(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/usage.json").get("result", [])


def usage_last_7_days(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/usage/last7days.json").get("result", [])


def errors_today(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/errors.json").get("result", [])


def errors_last_7_days(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/errors/last7days.json").get("result", [])
