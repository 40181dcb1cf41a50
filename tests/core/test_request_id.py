import logging

import pytest

pytestmark = pytest.mark.django_db


def test_each_response_carries_a_request_id_that_its_log_lines_share(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/api/v1/me/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.request_id == request_id


def test_a_well_formed_incoming_id_is_kept_and_a_strange_one_replaced(client):
    assert (
        client.get("/healthz/live", headers={"X-Request-ID": "lb-1234abcd"})["X-Request-ID"]
        == "lb-1234abcd"
    )
    replaced = client.get("/healthz/live", headers={"X-Request-ID": "<script>"})["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32
