"""What every request's input must be (apps.core.inputs, input_guard, parsers): JSON bodies
are objects at most 32 deep; no path, query, form or JSON value carries a control character
(tab, newline and carriage return are fine in bodies); bodies are at most 2.5 MB unless the
view takes more."""

import json

import pytest
from django.conf import settings

from apps.core.inputs import MAX_JSON_DEPTH, InputRefused, parse_json_object

pytestmark = pytest.mark.django_db


def _nested(depth: int):
    value = "UTC"
    for _ in range(depth - 1):
        value = [value]
    return {"time_zone": "UTC", "nested": value}


def _patch_me(client, body: str, content_type="application/json"):
    return client.generic("PATCH", "/api/v1/me/", body, content_type=content_type)


# --- JSON bodies ------------------------------------------------------------------------


def test_json_nested_5000_deep_is_a_400_not_a_500(client_for, operator):
    response = _patch_me(client_for(operator), '{"a":' * 5000 + "1" + "}" * 5000)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The JSON body nests deeper than 32 levels.",
        "code": "json_too_deep",
    }


def test_json_as_deep_as_the_limit_is_still_taken(client_for, operator):
    body = json.dumps(_nested(MAX_JSON_DEPTH))
    assert _patch_me(client_for(operator), body).status_code == 200
    too_deep = json.dumps(_nested(MAX_JSON_DEPTH + 1))
    assert _patch_me(client_for(operator), too_deep).json()["code"] == "json_too_deep"


def test_brackets_inside_strings_do_not_count_as_depth():
    text = json.dumps({"note": "[" * 100 + '\\"{' * 100})
    assert parse_json_object(text)["note"].startswith("[[[")


@pytest.mark.parametrize(
    ("body", "what"),
    [("[1, 2]", "an array"), ('"text"', "a string"), ("null", "null"), ("42", "a number")],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client_for, admin_user, body, what):
    response = client_for(admin_user).generic(
        "POST", "/api/v1/instances/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The body must be a JSON object ({{...}}), not {what}.",
        "code": "json_not_an_object",
    }


def test_a_nul_in_a_json_value_is_a_400_that_names_the_field(client_for, operator):
    response = _patch_me(client_for(operator), json.dumps({"time_zone": "UTC\u0000"}))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "“time_zone” contains a NUL character.",
        "code": "invalid_characters",
    }


@pytest.mark.parametrize(
    "body",
    [
        '{"time_zone": "\\u001b[31m"}',  # an escape sequence
        '{"time_zone": "\\ud800"}',  # half a surrogate pair: no UTF-8 for PostgreSQL
        '{"t\\u0000": "UTC"}',  # in a key
        '{"time_zone": ["\\u0007"]}',  # inside a list
    ],
)
def test_control_characters_and_broken_text_anywhere_in_json_are_refused(
    client_for, operator, body
):
    response = _patch_me(client_for(operator), body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_tab_newline_and_carriage_return_are_legitimate_in_json_text():
    assert parse_json_object('{"values": "a@x.com\\tb@x.com\\r\\nc@x.com"}')["values"]


def test_an_infinite_number_is_a_400(client_for, operator):
    response = _patch_me(client_for(operator), '{"time_zone": "UTC", "n": 1e999}')
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_that_is_not_utf8_is_a_400():
    with pytest.raises(InputRefused, match="not UTF-8"):
        parse_json_object(b'{"a": "\xff"}')


# --- paths, query strings and forms -----------------------------------------------------


def test_a_nul_in_the_path_is_a_400_on_pages_and_in_the_api(client_for, admin_user):
    client = client_for(admin_user)
    page = client.get("/assets/%00/")
    assert page.status_code == 400
    assert b"The address contains a NUL character." in page.content
    api = client.get("/api/v1/instances/%01/")
    assert api.status_code == 400
    assert api.json() == {
        "detail": "The address contains a control character (U+0001).",
        "code": "invalid_characters",
    }


def test_a_control_character_in_the_query_string_is_a_400(client_for, operator):
    client = client_for(operator)
    response = client.get("/api/v1/instances/?page=1%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
    assert client.get("/assets/?q=ab%0a").status_code == 400  # no newline in a query either


def test_a_nul_in_a_form_field_is_a_400(client_for, operator):
    response = client_for(operator).post("/leads/search/", {"field": "email", "value": "\x00"})
    assert response.status_code == 400
    assert "“value” in the form contains a NUL character." in response.content.decode()


def test_newlines_and_tabs_in_a_form_field_are_fine(client_for, operator):
    response = client_for(operator).post("/leads/search/", {"field": "email", "value": "a\tb\r\n"})
    assert response.status_code == 200


def test_form_bodies_of_api_patches_are_checked_too(client_for, operator):
    # Django's request.POST never parses a PATCH: DRF's form parser checks it.
    response = _patch_me(
        client_for(operator), "time_zone=UTC%00", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


# --- sizes --------------------------------------------------------------------------------


def test_everything_but_the_lookups_keeps_djangos_default_body_limit():
    assert settings.REQUEST_BODY_MAX_BYTES == 2_621_440


def test_a_body_over_the_limit_is_a_413_that_says_so(client_for, operator):
    body = json.dumps({"time_zone": "UTC", "padding": "x" * 3_000_000})
    response = _patch_me(client_for(operator), body)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request is 3.0 MB; requests here take at most 2.6 MB.",
        "code": "request_too_large",
    }


def test_a_content_length_that_is_not_a_number_is_a_400(client_for, operator):
    response = client_for(operator).generic(
        "PATCH", "/api/v1/me/", "{}", content_type="application/json", CONTENT_LENGTH="many"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
