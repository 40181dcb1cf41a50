"""The name registry (apps/core/names.py): the mirror names programs, lists and folders for
pages of apps that may not import it."""

import pytest

from apps.assets.models import AssetType, FolderKind, MirroredAsset, MirroredFolder
from apps.core import names
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance():
    return make_instance("Production")


def test_a_kind_nobody_registered_names_nothing(instance, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert names.names_for(instance=instance, kind="unicorn", ids=[1, 2]) == {}
    assert not names.registered("unicorn")
    assert names.kind_label("unicorn_farm") == "Unicorn farm"


def test_the_mirror_registers_every_asset_type_and_folders():
    for kind in [*AssetType.values, "folder"]:
        assert names.registered(kind), kind
    assert names.kind_label("static_list") == "Static list"


def test_programs_are_named_and_linked_in_one_query_whatever_their_number(
    instance, django_assert_num_queries
):
    other = make_instance("Staging", munchkin_id="222-BBB-222")
    for marketo_id in range(1000, 1030):
        MirroredAsset.objects.create(
            instance=instance, asset_type=AssetType.PROGRAM, marketo_id=marketo_id,
            name=f"Webinar {marketo_id}",
        )  # fmt: skip
    MirroredAsset.objects.create(
        instance=other, asset_type=AssetType.PROGRAM, marketo_id=5000, name="Elsewhere"
    )
    MirroredAsset.objects.create(
        instance=instance, asset_type=AssetType.EMAIL, marketo_id=5001, name="An email"
    )
    with django_assert_num_queries(1):
        named = names.names_for(
            instance=instance, kind="program", ids=[*range(1000, 1030), 5000, 5001, "1007", "x"]
        )
    assert set(named) == set(range(1000, 1030))  # not another instance's, not an email
    assert named[1007] == names.Named(
        name="Webinar 1007", url=f"/assets/{instance.pk}/asset/program/1007/", secondary="id 1007"
    )


def test_folders_link_to_their_folder_page(instance):
    MirroredFolder.objects.create(
        instance=instance, kind=FolderKind.FOLDER, marketo_id=31, name="Webinars"
    )
    named = names.names_for(instance=instance, kind="folder", ids=[31, 32])
    assert list(named) == [31]
    assert named[31].url == f"/assets/{instance.pk}/folder/folder/31/"


def test_no_ids_cost_no_query(instance, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert names.names_for(instance=instance, kind="program", ids=[None, ""]) == {}


def test_a_registered_resolver_gets_every_id_once_in_one_call(monkeypatch, instance):
    monkeypatch.setattr(names, "_resolvers", {})
    monkeypatch.setattr(names, "_labels", {})
    calls = []

    def resolver(*, instance, ids):
        calls.append(ids)
        return {ids[0]: names.Named(name="First", url="", secondary=f"id {ids[0]}")}

    names.register("campaign", resolver, label="Smart campaign")
    named = names.names_for(instance=instance, kind="campaign", ids=["7", 3, 7, None, 3])
    assert calls == [[3, 7]]
    assert named == {3: names.Named(name="First", url="", secondary="id 3")}
    assert names.kind_label("campaign") == "Smart campaign"
