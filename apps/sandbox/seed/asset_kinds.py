"""What the seeded assets are made of: program types, Design Studio folders, names, and the
fields of each asset type, in the shape the prose pages show them."""

from __future__ import annotations

# Program types and their channels as programs.md shows them.
PROGRAM_TYPES = [
    ("Default", ["Content", "Online Advertising", "Operational"], ""),
    ("Event", ["Tradeshow", "Field Event"], ""),
    ("Event with Webinar", ["Webinar"], ""),
    ("Engagement", ["Nurture"], "on"),
    ("Email", ["Email Send"], "unlocked"),
]
# Design Studio folders per asset kind: (folder name, folderType).
DESIGN = {
    "email": ("Emails", "Email"),
    "emailTemplate": ("Email Templates", "Email Template"),
    "landingPage": ("Landing Pages", "Landing Page"),
    "landingPageTemplate": ("Landing Page Templates", "Landing Page Template"),
    "form": ("Forms", "Landing Page Form"),
    "snippet": ("Snippets", "Snippet"),
    "file": ("Images and Files", "File"),
}
TOPICS = [
    "Spring Launch",
    "Customer Summit",
    "Product Webinar",
    "Onboarding",
    "Renewal",
    "Newsletter",
    "Partner Day",
    "Analyst Brief",
    "Holiday Promo",
    "Roadshow",
]


def email_fields(store, name: str, status: str) -> dict:
    templates = store.ids("emailTemplate")
    return {
        "subject": {"type": "Text", "value": f"{name}: news for {{{{lead.First Name}}}}"},
        "fromName": {"type": "Text", "value": "Marketing Team"},
        "fromEmail": {"type": "Text", "value": "marketing@corp.example"},
        "replyEmail": {"type": "Text", "value": "replies@corp.example"},
        "operational": False,
        "textOnly": False,
        "publishToMSI": False,
        "webView": store.rng.random() < 0.5,
        "status": status,
        "template": store.rng.choice(templates) if templates else None,
        "isOpenTrackingDisabled": False,
        "version": 2,
        "autoCopyToText": True,
        "ccFields": [],
        "preHeader": "",
    }


def landing_page_fields(store, name: str, status: str) -> dict:
    slug = name.lower().replace(" ", "-")
    templates = store.ids("landingPageTemplate")
    return {
        "URL": f"https://pages.corp.example/{slug}.html",
        "computedUrl": f"{store.host}/#LP{slug}",
        "status": status,
        "template": store.rng.choice(templates) if templates else 1,
        "title": name,
        "keywords": "",
        "robots": "index, nofollow",
        "customHeadHTML": "",
        "facebookOgTags": "",
        "formPrefill": False,
        "mobileEnabled": True,
    }


def form_fields(store, name: str, status: str) -> dict:
    return {
        "status": status,
        "theme": "simple",
        "language": "English",
        "locale": "en_US",
        "progressiveProfiling": False,
        "labelPosition": "above",
        "fontFamily": "Helvetica",
        "fontSize": "13px",
        "knownVisitor": {"type": "form", "template": None},
        "thankYouList": [{"followupType": "none", "followupValue": None, "default": True}],
        "buttonLocation": 120,
        "buttonLabel": "Submit",
        "waitingLabel": "Please Wait",
    }


def smart_campaign_fields(store, name: str, program_id: int | None) -> dict:
    trigger = store.rng.random() < 0.4
    return {
        "status": store.rng.choice(
            ["Active", "Inactive"] if trigger else ["Never Run", "Single Run"]
        ),
        "type": "trigger" if trigger else "batch",
        "isSystem": False,
        "isActive": trigger,
        "isRequestable": False,
        "isCommunicationLimitEnabled": False,
        "recurrence": {"weekdayOnly": False},
        "qualificationRuleType": "once",
        "smartListId": store._next["smartList"] + 1,
        "flowId": store._next["smartCampaign"] + 1,
        **({"parentProgramId": program_id} if program_id else {}),
        "computedUrl": f"{store.host}/#SC{store._next['smartCampaign'] + 1}A1",
    }


def fill_design_studio(store, zone, workspace: str) -> None:
    folders = {}
    for kind, (name, folder_type) in DESIGN.items():
        folder = store.add_folder(name, zone, folder_type, workspace)
        folders[kind] = [
            folder,
            store.add_folder(f"{name} Archive", folder, folder_type, workspace),
        ]
    pick = store.rng.choice
    for number in range(4):
        store.add_asset(
            "emailTemplate",
            f"{workspace} Template {number + 1}",
            pick(folders["emailTemplate"]),
            workspace,
            status=pick(["approved", "draft"]),
            version=2,
        )
        store.add_asset(
            "landingPageTemplate",
            f"{workspace} LP Template {number + 1}",
            pick(folders["landingPageTemplate"]),
            workspace,
            status="approved",
            templateType=pick(["guided", "freeForm"]),
            enableMunchkin=True,
        )
    for number in range(8):
        status = pick(["approved", "draft"])
        store.add_asset(
            "snippet",
            f"{workspace} Snippet {number + 1}",
            pick(folders["snippet"]),
            workspace,
            status=status,
        )
        name = f"{workspace} Form {number + 1}"
        record = store.add_asset(
            "form", name, pick(folders["form"]), workspace, **form_fields(store, name, status)
        )
        del record["workspace"]  # forms.md shows no workspace member (nor does the Swagger file)
    for number in range(4):
        name = f"{workspace} Shared Email {number + 1}"
        store.add_asset(
            "email",
            name,
            pick(folders["email"]),
            workspace,
            **email_fields(store, name, "approved"),
        )
        name = f"{workspace} Shared Page {number + 1}"
        store.add_asset(
            "landingPage",
            name,
            pick(folders["landingPage"]),
            workspace,
            **landing_page_fields(store, name, "approved"),
        )
    for number in range(12):
        extension, mime = pick(
            [("png", "image/png"), ("jpg", "image/jpeg"), ("pdf", "application/pdf")]
        )
        name = f"{workspace.lower()}-asset-{number + 1}.{extension}"
        record = store.add_asset(
            "file",
            name,
            pick(folders["file"]),
            workspace,
            size=store.rng.randrange(2_000, 900_000),
            mimeType=mime,
        )
        record["url"] = f"https://pages.corp.example/rs/sandbox/images/{name}"
        record["folder"]["name"] = store.folders[record["folder"]["type"], record["folder"]["id"]][
            "name"
        ]
        del record["workspace"]  # files.md shows no workspace member


def fill_program(store, folder, workspace: str, number: int) -> None:
    rng = store.rng
    program_type, channels, status = rng.choice(PROGRAM_TYPES)
    name = f"{workspace} {rng.choice(TOPICS)} {number + 1:02d}"
    program = store.add_asset(
        "program",
        name,
        folder,
        workspace,
        type=program_type,
        channel=rng.choice(channels),
        status=status,
        # programs.md: costs and tags are null when a program has none (By Id, Clone).
        costs=None,
        tags=[{"tagType": "Region", "tagValue": workspace}] if number % 3 == 0 else None,
        headStart=False,
    )
    program["url"] = f"{store.host}/#PG{program['id']}A1"
    key = store.add_folder(
        name, folder, "Program", workspace, kind="Program", record_id=program["id"]
    )
    store.folders[key]["url"] = program["url"]
    emails = 1 if program_type == "Email" else rng.randrange(1, 4)
    for index in range(emails):
        status = rng.choice(["approved", "approved", "draft"])
        email_name = f"Email {index + 1}"
        store.add_asset(
            "email",
            email_name,
            key,
            workspace,
            **email_fields(store, f"{name} {email_name}", status),
        )
    if program_type in ("Default", "Event", "Event with Webinar"):
        for index in range(rng.randrange(0, 3)):
            page = f"Landing Page {index + 1}"
            store.add_asset(
                "landingPage",
                page,
                key,
                workspace,
                **landing_page_fields(store, f"{name} {page}", rng.choice(["approved", "draft"])),
            )
        if rng.random() < 0.6:
            record = store.add_asset(
                "form",
                "Registration Form",
                key,
                workspace,
                **form_fields(store, "Registration Form", rng.choice(["approved", "draft"])),
            )
            del record["workspace"]  # forms.md shows no workspace member
    for index in range(rng.randrange(1, 4)):
        campaign = f"{['Send', 'Score', 'Route', 'Invite'][index % 4]} Campaign"
        record = store.add_asset(
            "smartCampaign",
            campaign,
            key,
            workspace,
            **smart_campaign_fields(store, campaign, program["id"]),
        )
        del record["url"]  # smart-campaigns.md shows computedUrl only
    for index in range(rng.randrange(1, 3)):
        store.add_asset("smartList", f"Audience {index + 1}", key, workspace)
    if rng.random() < 0.7:
        record = store.add_asset(
            "staticList", "Attendees" if "Event" in program_type else "Members", key, workspace
        )
        record["computedUrl"] = record["url"]  # static-lists.md; the Swagger file has url
    store.tokens[key] = [
        {"name": "Event Date", "type": "date", "value": f"2026-0{rng.randrange(1, 10)}-15"},
        {"name": "Headline", "type": "text", "value": name},
        {"name": "Body Intro", "type": "rich text", "value": f"<p>Welcome to {name}</p>"},
        {"name": "Score Bump", "type": "score", "value": f"+{rng.randrange(1, 20)}"},
    ][: rng.randrange(2, 5)]
