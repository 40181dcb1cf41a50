"""The asset tree: paging to the "No assets found" warning, approval and clone."""

import json

import requests


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


def test_an_ab_tested_programs_email_leaves_its_page_short_and_paging_goes_on(api, sandbox):
    """emails.md: Get Emails (and by name) never returns the email of an email program that
    uses A/B testing. The page is cut first, so it comes back short with more after it."""
    emails = f"{api.base}/asset/v1/emails.json"
    before = api.get(emails, params={"offset": 0, "maxReturn": 10}).json()["result"]
    store = sandbox.instance.assets
    program = next(p for p in store.assets["program"].values() if p["type"] == "Email")
    (email,) = [
        e
        for e in store.assets["email"].values()
        if store.meta[("email", e["id"])].parent == ("Program", program["id"])
    ]
    position = list(store.assets["email"]).index(email["id"])
    offset = position - position % 10
    page = api.get(emails, params={"offset": offset, "maxReturn": 10}).json()["result"]
    assert email in page and len(page) == 10

    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/ab-test", json={"program": program["id"]}, timeout=10
    )
    assert answer.json() == {"program": program["id"], "ab_test": True}
    short = api.get(emails, params={"offset": offset, "maxReturn": 10}).json()["result"]
    assert short == [row for row in page if row["id"] != email["id"]]  # 9 rows, not the end
    after = api.get(emails, params={"offset": offset + 10, "maxReturn": 10}).json()
    assert after["result"]
    by_name = api.get(
        f"{api.base}/asset/v1/email/byName.json", params={"name": email["name"]}
    ).json()
    assert email["id"] not in [row["id"] for row in by_name.get("result", [])]
    by_id = api.get(f"{api.base}/asset/v1/email/{email['id']}.json").json()
    assert "result" not in by_id and by_id["warnings"] == [
        "No assets found for the given search criteria."
    ]
    assert api.get(emails, params={"offset": 0, "maxReturn": 10}).json()["result"] == (
        [row for row in before if row["id"] != email["id"]] if offset == 0 else before
    )
    # Only an email program can run one; the switch goes off again.
    refused = requests.post(
        f"{sandbox.base_url}/_sandbox/ab-test", json={"program": 999999}, timeout=10
    )
    assert refused.status_code == 400
    requests.post(
        f"{sandbox.base_url}/_sandbox/ab-test",
        json={"program": program["id"], "on": False},
        timeout=10,
    )
    assert api.get(emails, params={"offset": offset, "maxReturn": 10}).json()["result"] == page


def test_the_lead_database_is_a_third_root_holding_lists(api):
    """folders.md: Marketing Activities, Design Studio and Lead Database are the roots;
    static-lists.md and smart-lists.md browse the lists of a Lead Database folder."""
    folders = api.get(
        f"{api.base}/asset/v1/folders.json", params={"maxDepth": 50, "maxReturn": 200}
    ).json()["result"]
    roots = [f["name"] for f in folders if f["parent"] is None]
    assert roots == ["Marketing Activities", "Design Studio", "Lead Database"]
    (root,) = api.get(
        f"{api.base}/asset/v1/folder/byName.json", params={"name": "Lead Database"}
    ).json()["result"]
    tree = api.get(
        f"{api.base}/asset/v1/folders.json",
        params={"root": json.dumps({"id": root["id"], "type": "Folder"}), "maxDepth": 5},
    ).json()["result"]
    group = next(f for f in tree if f["path"] == "/Lead Database/Default/Group Lists")
    lists = api.get(
        f"{api.base}/asset/v1/staticLists.json",
        params={"folder": json.dumps({"id": group["id"], "type": "Folder"})},
    ).json()["result"]
    assert [row["name"] for row in lists] == [
        "Foundation Seed List",
        "Blacklist Seed List",
        "Possible Duplicates Seed List",
    ]
    assert lists[0]["folder"] == {"id": group["id"], "type": "Folder"}
    smart = next(f for f in tree if f["path"] == "/Lead Database/Default/Smart Lists")
    smart_lists = api.get(
        f"{api.base}/asset/v1/smartLists.json",
        params={"folder": json.dumps({"id": smart["id"], "type": "Folder"})},
    ).json()["result"]
    assert [row["name"] for row in smart_lists] == [
        "2018 Leads",
        "Active Prospects",
        "Leads by Score",
    ]


def _first(api, plural, **params):
    return api.get(f"{api.base}/asset/v1/{plural}.json", params=params).json()["result"][0]


def test_editing_an_approved_email_makes_a_draft_beside_the_live_version(api):
    email = _first(api, "emails", status="approved")
    url = f"{api.base}/asset/v1/email/{email['id']}"
    edited = api.post(f"{url}.json", data={"name": "Spring edit"}).json()["result"][0]
    assert (edited["name"], edited["status"]) == ("Spring edit", "draft")
    # emails.md: by id answers the approved version unless status=draft asks for the draft.
    assert api.get(f"{url}.json").json()["result"][0]["status"] == "approved"
    assert api.get(f"{url}.json").json()["result"][0]["name"] == email["name"]
    draft = api.get(f"{url}.json", params={"status": "draft"}).json()["result"]
    assert [row["name"] for row in draft] == ["Spring edit"]
    # Browsing answers both versions (forms.md: the "approved with draft" filter).
    both = api.get(
        f"{api.base}/asset/v1/emails.json", params={"status": "approved with draft"}
    ).json()["result"]
    assert [(row["id"], row["status"]) for row in both] == [
        (email["id"], "approved"),
        (email["id"], "draft"),
    ]
    # Approving replaces the live version with the draft; then there is no draft any more.
    assert api.post(f"{url}/approveDraft.json").json()["success"] is True
    live = api.get(f"{url}.json").json()["result"][0]
    assert (live["name"], live["status"]) == ("Spring edit", "approved")
    assert "result" not in api.get(f"{url}.json", params={"status": "draft"}).json()
    assert api.post(f"{url}/approveDraft.json").json()["errors"][0]["code"] == "709"


def test_unapproving_a_never_approved_draft_is_refused_with_709(api):
    draft = _first(api, "snippets", status="draft")
    answer = api.post(f"{api.base}/asset/v1/snippet/{draft['id']}/unapprove.json").json()
    assert answer["success"] is False
    assert answer["errors"][0]["code"] == "709"


def test_program_clone_rules_of_programs_md(api):
    programs = api.get(f"{api.base}/asset/v1/programs.json", params={"maxReturn": 200}).json()
    source, other = programs["result"][0], programs["result"][1]
    url = f"{api.base}/asset/v1/program/{source['id']}/clone.json"
    folders = api.get(
        f"{api.base}/asset/v1/folders.json", params={"maxDepth": 10, "maxReturn": 200}
    ).json()["result"]
    marketing = [f for f in folders if f["folderType"] == "Marketing Folder"]
    same = next(f for f in marketing if f["workspace"] == source["workspace"])
    elsewhere = next(f for f in marketing if f["workspace"] != source["workspace"])

    def code(name, folder):
        answer = api.post(url, data={"name": name, "folder": json.dumps(folder)}).json()
        return answer["errors"][0]["code"] if not answer["success"] else "ok"

    # A name used by any program anywhere in the instance (not only in that folder): 709.
    assert code(other["name"], {"id": same["id"], "type": "Folder"}) == "709"
    # Into a program (type Program): 711; into another workspace: 709; no such folder: 710.
    assert code("Fresh name", {"id": other["id"], "type": "Program"}) == "711"
    assert code("Fresh name", {"id": elsewhere["id"], "type": "Folder"}) == "709"
    assert code("Fresh name", {"id": 999999, "type": "Folder"}) == "710"
    assert code("Fresh name", {"id": same["id"], "type": "Folder"}) == "ok"


def test_the_drop_after_fault_carries_the_call_out_and_loses_the_answer(api, sandbox):
    import pytest
    import requests

    draft = _first(api, "snippets", status="draft")
    sandbox.script_fault(path="approveDraft.json", times=1, drop="after")
    with pytest.raises(requests.ConnectionError):
        api.post(f"{api.base}/asset/v1/snippet/{draft['id']}/approveDraft.json")
    live = api.get(f"{api.base}/asset/v1/snippet/{draft['id']}.json").json()["result"][0]
    assert live["status"] == "approved"
