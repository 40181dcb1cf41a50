"""The Lead Database tree: the third root folder beside Marketing Activities and Design
Studio (folders.md, "Browse"), where the lists that belong to no program live.

The Default workspace holds the lists of the documentation's own examples: the seed lists
of static-lists.md (in a folder of their own) and the smart lists of smart-lists.md.
"""

from __future__ import annotations

# folders.md names no folder type for the Lead Database's folders, and the Swagger enum has
# none for lists: "Zone" for the root and its workspaces, as in the other two trees, and
# "Marketing Folder", the one type that "can contain multiple asset types", for the rest.
ROOT_TYPE = "Zone"
LIST_FOLDER_TYPE = "Marketing Folder"
# Default workspace: folder -> (static lists, smart lists), from static-lists.md and
# smart-lists.md's examples.
DEFAULT_FOLDERS = {
    "Group Lists": (
        ["Foundation Seed List", "Blacklist Seed List", "Possible Duplicates Seed List"],
        [],
    ),
    "Smart Lists": ([], ["2018 Leads", "Active Prospects", "Leads by Score"]),
}


def fill_lead_database(store, workspaces: list[str]) -> None:
    root = store.add_folder("Lead Database", None, ROOT_TYPE, "Default", system=True)
    store.folders[root]["description"] = "Root node for the Lead Database app area"
    for workspace in workspaces:
        zone = store.add_folder(workspace, root, ROOT_TYPE, workspace, system=True)
        folders = DEFAULT_FOLDERS if workspace == "Default" else _regional(workspace)
        for name, (static, smart) in folders.items():
            folder = store.add_folder(name, zone, LIST_FOLDER_TYPE, workspace)
            for list_name in static:
                record = store.add_asset("staticList", list_name, folder, workspace)
                record["computedUrl"] = record["url"]  # static-lists.md
            for list_name in smart:
                store.add_asset("smartList", list_name, folder, workspace)


def _regional(workspace: str) -> dict[str, tuple[list[str], list[str]]]:
    return {f"{workspace} Lists": ([f"{workspace} Imported Leads"], [f"{workspace} Prospects"])}
