"""The seeded asset tree: workspaces, nested folders, programs of every type with their
channels, the Lead Database's lists, and every asset type the product browses (folders.md,
programs.md, emails.md...).

Records are kept in the shape the API returns; `meta` holds what the API does not show.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apps.sandbox.seed.asset_kinds import fill_design_studio, fill_program
from apps.sandbox.seed.lead_database import fill_lead_database

# kind -> (content type in folder/{id}/content.json, folder reference style, url prefix)
KINDS = {
    "program": ("Program", "value", "PG"),
    "email": ("Email", "value", "EM"),
    "landingPage": ("Landing Page", "value", "LP"),
    "form": ("Form", "value", "FO"),
    "snippet": ("Snippet", "value", "SN"),
    "emailTemplate": ("Email Template", "value", "ET"),
    "landingPageTemplate": ("Landing Page Template", "value", "LT"),
    "smartCampaign": ("Smart Campaign", "id", "SC"),
    "smartList": ("Smart List", "id", "SL"),
    "staticList": ("Static List", "id", "ST"),
    "file": ("File", "id", "FI"),
}
WORKSPACES = [("Default", 30), ("EMEA", 12), ("APAC", 8)]


def stamp(moment: datetime) -> str:
    # The asset API's own timestamp style (folders.md: "2011-03-04T17:01:32Z+0000").
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ+0000")


@dataclass
class Meta:
    parent: tuple[str, int] | None  # ("Folder" | "Program", id)
    has_draft: bool = False
    # An email program running an A/B test (emails.md, "Query": its email is not returned).
    ab_test: bool = False
    # An approved asset edited since: its draft version, a record of its own (assets.md,
    # "Approval": updates change the draft, the approved version stays live). None otherwise.
    draft: dict | None = None


class AssetStore:
    def __init__(self, *, seed: int, munchkin_id: str) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - seeded simulation data
        self.host = f"https://app-sandbox.marketo.com/{munchkin_id}"
        self.lock = threading.Lock()
        self.folders: dict[tuple[str, int], dict] = {}  # (type, id) -> folder record
        self.assets: dict[str, dict[int, dict]] = {kind: {} for kind in KINDS}
        self.meta: dict[tuple[str, int], Meta] = {}
        self.tokens: dict[tuple[str, int], list[dict]] = {}
        self._next = {
            "folder": 10,
            **{kind: base for kind, base in zip(KINDS, range(1000, 12000, 1000), strict=True)},
        }
        self._clock = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
        self._build()

    # --- construction -------------------------------------------------------------------
    def _moment(self) -> datetime:
        self._clock += timedelta(seconds=self.rng.randrange(3600, 86400 * 4))
        return self._clock

    def _new_id(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    def ref(self, parent: tuple[str, int], style: str) -> dict:
        name = self.folders[parent]["name"]
        if style == "value":
            return {"type": parent[0], "value": parent[1], "folderName": name}
        return {"id": parent[1], "type": parent[0]}

    def add_folder(
        self, name, parent, folder_type, workspace, *, system=False, kind="Folder", record_id=None
    ):
        folder_id = record_id or self._new_id("folder")
        moment = self._moment()
        parent_record = self.folders.get(parent) if parent else None
        record = {
            "name": name,
            "description": "",
            "createdAt": stamp(moment),
            "updatedAt": stamp(moment),
            "url": None if system else f"{self.host}/#MF{folder_id}A1",
            "folderId": {"id": folder_id, "type": kind},
            "folderType": folder_type,
            "parent": {"id": parent[1], "type": parent[0]} if parent else None,
            "path": f"{parent_record['path'] if parent_record else ''}/{name}",
            "isArchive": False,
            "isSystem": system,
            "accessZoneId": 1 + [w for w, _ in WORKSPACES].index(workspace),
            "workspace": workspace,
            "id": folder_id,
        }
        self.folders[(kind, folder_id)] = record
        self.meta[(kind, folder_id)] = Meta(parent)
        return (kind, folder_id)

    def add_asset(
        self, kind: str, name: str, parent: tuple[str, int], workspace: str, **fields
    ) -> dict:
        asset_id = self._new_id(kind)
        moment = self._moment()
        _content_type, style, prefix = KINDS[kind]
        record = {
            "id": asset_id,
            "name": name,
            "description": "",
            "createdAt": stamp(moment),
            "updatedAt": stamp(moment),
            "url": f"{self.host}/#{prefix}{asset_id}A1",
            "folder": self.ref(parent, style),
            **fields,
            "workspace": workspace,
        }
        if kind == "landingPage":
            # landing-pages.md shows a page's `URL` and `computedUrl`, and no `url`.
            del record["url"]
        self.assets[kind][asset_id] = record
        self.meta[(kind, asset_id)] = Meta(parent, has_draft=fields.get("status") == "draft")
        return record

    def _build(self) -> None:
        ma_root = self.add_folder("Marketing Activities", None, "Zone", "Default", system=True)
        ds_root = self.add_folder("Design Studio", None, "Zone", "Default", system=True)
        for workspace, programs in WORKSPACES:
            zone = self.add_folder(workspace, ma_root, "Zone", workspace, system=True)
            design = self.add_folder(workspace, ds_root, "Zone", workspace, system=True)
            fill_design_studio(self, design, workspace)
            areas = []
            for area in ("Webinars", "Events", "Nurture", "Operational"):
                folder = self.add_folder(area, zone, "Marketing Folder", workspace)
                areas += [
                    folder,
                    self.add_folder(f"{area} 2026", folder, "Marketing Folder", workspace),
                ]
            for number in range(programs):
                fill_program(self, self.rng.choice(areas), workspace, number)
        # Last, so that the two trees above keep the ids and names they always had.
        fill_lead_database(self, [workspace for workspace, _ in WORKSPACES])

    # --- queries --------------------------------------------------------------------------
    def ids(self, kind: str) -> list[int]:
        return list(self.assets[kind])

    def name_of(self, kind: str, asset_id: int) -> str | None:
        record = self.assets.get(kind, {}).get(asset_id)
        return record["name"] if record else None

    def ab_test_set(self, program_id: int, on: bool = True) -> None:
        """Start (or end) an A/B test in an email program; ValueError if it is not one."""
        program = self.assets["program"].get(int(program_id))
        if program is None or program.get("type") != "Email":
            raise ValueError(f"no email program with id {program_id}")
        self.meta[("program", program["id"])].ab_test = on

    def hidden(self, kind: str, record: dict) -> bool:
        """emails.md, "Query": an email of an email program that uses A/B testing is not
        returned by Get Emails, by id or by name (success, "No assets found" warning)."""
        if kind != "email":
            return False
        parent = self.meta[(kind, record["id"])].parent
        if not parent or parent[0] != "Program":
            return False
        program = self.meta.get(("program", parent[1]))
        return bool(program and program.ab_test)

    def children(self, parent: tuple[str, int]) -> list[tuple[str, int]]:
        """What folder/{id}/content.json lists: sub-folders, programs, then assets."""
        found = []
        for key, meta in self.meta.items():
            if meta.parent == parent:
                found.append(key)
        return found
