"""The vendored examples are listed with their source, and the shape comparison the sandbox
suite relies on finds each kind of difference."""

import re
from pathlib import Path

from apps.marketo import assets as marketo_assets
from tests.contract.examples import EXAMPLES, Allow, example, example_names, shape_differences

DOCUMENTED = {
    "requestId": "a#1",
    "result": [
        {"id": 1, "url": None, "folder": {"type": "Folder", "value": 3}},
        {"id": 2, "url": "https://x", "folder": {"type": "Folder", "value": 4}, "tags": []},
    ],
}


def _answer(**changes):
    item = {"id": 7, "url": "https://y", "folder": {"type": "Program", "value": 9}}
    item.update(changes)
    return {"requestId": "b#2", "result": [item]}


def test_other_values_of_the_same_types_are_the_same_shape():
    assert shape_differences(DOCUMENTED, _answer()) == ([], set())


def test_a_list_is_one_shape_merged_from_its_items():
    # url is null in one documented item and a string in the other; tags is in one only.
    assert shape_differences(DOCUMENTED, _answer(url=None, tags=[{"a": 1}]))[0] == []


def test_each_kind_of_difference_is_found():
    answered = _answer(id="7", extra=True)
    del answered["result"][0]["folder"]
    differences, _ = shape_differences(DOCUMENTED, answered)
    assert differences == [
        "result[].id: documented ['number'], answered string",
        "result[].folder: documented, absent",
        "result[].extra: answered, not documented",
    ]
    assert shape_differences(DOCUMENTED, {"requestId": "c", "result": []})[0] == [
        "result: documented with items, answered empty"
    ]
    assert shape_differences(DOCUMENTED, {"requestId": None, "result": None})[0] == [
        "requestId: documented ['string'], answered null",
        "result: documented ['array'], answered null",
    ]


def test_an_allowance_allows_only_its_place_and_kind_and_must_be_needed():
    answered = _answer(extra=True)
    allowed = Allow("result[].extra", "extra", "why")
    assert shape_differences(DOCUMENTED, answered, [allowed]) == (
        [],
        {("result[].extra", "extra")},
    )
    elsewhere = Allow("result[].other", "extra", "why")
    assert shape_differences(DOCUMENTED, answered, [elsewhere])[0] == [
        "result[].extra: answered, not documented",
        "result[].other: allowance 'extra' is not needed",
    ]
    wrong_type = Allow("result[].id", "type", "why", ("null",))
    assert shape_differences(DOCUMENTED, _answer(id="7"), [wrong_type])[0] == [
        "result[].id: documented ['number'], answered string",
        "result[].id: allowance 'type' is not needed",
    ]


def test_source_md_names_the_page_of_every_example_and_nothing_else():
    source = (EXAMPLES / "SOURCE.md").read_text()
    listed = re.findall(r"^\| `([a-z0-9-]+)\.json` \| `([a-z-]+\.md)` \|", source, re.MULTILINE)
    assert sorted(name for name, _page in listed) == example_names()
    for name in example_names():
        assert set(example(name)) <= {"request", "body", "response"}, name


def test_the_license_is_the_source_repository_s_as_for_the_swagger_files():
    swagger_license = EXAMPLES.parent / "marketo-openapi" / "LICENSE.md"
    assert (EXAMPLES / "LICENSE.md").read_bytes() == swagger_license.read_bytes()


def _inventory() -> str:
    source = (EXAMPLES / "SOURCE.md").read_text()
    return source[source.index("## Every endpoint the product calls") :]


def test_the_inventory_names_every_endpoint_the_client_has_a_path_for():
    # A new asset type or lead-database path in apps/marketo/ needs a row saying which
    # example covers it, or which page shows none.
    inventory = _inventory()
    paths = [
        *(path.rsplit("/", 1)[1] for path in marketo_assets.BROWSE_PATHS.values()),
        *(f"{segment}/{{id}}.json" for segment in marketo_assets.SINGULAR_PATHS.values()),
    ]
    for path in paths:
        name = path.split("/")[0].removesuffix(".json")
        assert path in inventory or f"`{name}`" in inventory, path
    for source in ("leads.py", "activities.py", "usage.py"):
        text = (Path(marketo_assets.__file__).parent / source).read_text()
        for path in re.findall(r'"/v1/([a-z0-9/]+\.json)"', text):
            assert f"/rest/v1/{path}" in inventory or path.rsplit("/", 1)[1] in inventory, path


def test_the_inventory_names_every_example_and_only_examples():
    named = set(re.findall(r"`([a-z0-9-]+)`", _inventory()))
    assert set(example_names()) <= named
    assert {name for name in named if "-" in name} <= set(example_names())
