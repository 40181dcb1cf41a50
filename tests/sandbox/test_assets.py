"""The asset tree: paging to the "No assets found" warning, approval and clone."""

import json


def test_paging_ends_with_the_no_assets_found_warning(api):
    seen, offset = [], 0
    while True:
        body = api.get(
            f"{api.base}/asset/v1/programs.json", params={"offset": offset, "maxReturn": 200}
        ).json()
        assert body["success"] is True
        if "result" not in body:
            assert body["warnings"] == ["No assets found for the given search criteria."]
            break
        seen += body["result"]
        offset += 200
    assert len(seen) == 50
    types = {program["type"] for program in seen}
    assert types == {"Default", "Event", "Event with Webinar", "Engagement", "Email"}
    assert "tags" not in seen[0]


def test_every_asset_type_is_seeded_and_found_by_id_and_name(api):
    for plural, singular in [
        ("emails", "email"),
        ("landingPages", "landingPage"),
        ("forms", "form"),
        ("smartCampaigns", "smartCampaign"),
        ("smartLists", "smartList"),
        ("staticLists", "staticList"),
        ("emailTemplates", "emailTemplate"),
        ("landingPageTemplates", "landingPageTemplate"),
        ("files", "file"),
    ]:
        first = api.get(f"{api.base}/asset/v1/{plural}.json").json()["result"][0]
        by_id = api.get(f"{api.base}/asset/v1/{singular}/{first['id']}.json").json()
        by_name = api.get(
            f"{api.base}/asset/v1/{singular}/byName.json", params={"name": first["name"]}
        ).json()
        assert by_id["result"] == [first]
        assert first in by_name["result"]
    assert api.get(f"{api.base}/asset/v1/snippets.json").json()["result"]


def test_approve_unapprove_and_clone_an_email(api):
    emails = api.get(
        f"{api.base}/asset/v1/emails.json", params={"status": "draft", "maxReturn": 1}
    ).json()["result"]
    email = emails[0]
    url = f"{api.base}/asset/v1/email/{email['id']}"
    assert api.post(f"{url}/approveDraft.json").json()["result"] == [{"id": email["id"]}]
    assert api.post(f"{url}/approveDraft.json").json()["errors"][0]["code"] == "709"
    assert api.post(f"{url}/unapprove.json").json()["success"] is True
    folder = {"id": email["folder"]["value"], "type": email["folder"]["type"]}
    clone = api.post(
        f"{url}/clone.json", data={"name": "Clone of it", "folder": json.dumps(folder)}
    ).json()
    assert clone["result"][0]["name"] == "Clone of it"
    assert clone["result"][0]["status"] == "draft"
    assert (
        api.post(f"{url}/clone.json", data={"folder": json.dumps(folder)}).json()["errors"][0][
            "code"
        ]
        == "701"
    )


def test_folder_content_and_program_tokens(api):
    program = api.get(f"{api.base}/asset/v1/programs.json").json()["result"][0]
    content = api.get(
        f"{api.base}/asset/v1/folder/{program['id']}/content.json", params={"type": "Program"}
    ).json()["result"]
    assert {"Email", "Smart Campaign"} <= {item["type"] for item in content}
    tokens = api.get(
        f"{api.base}/asset/v1/folder/{program['id']}/tokens.json", params={"folderType": "Program"}
    ).json()["result"][0]
    assert tokens["folder"] == {"type": "Program", "value": program["id"]}
    assert len(tokens["tokens"]) >= 2
