"""The instance's users, roles and workspaces (help/rest-api/user-management.md).

The configured API users are API-only users (each LaunchPoint service's owner), and so is
the first of `other_users` (an integration that also shows in the usage history); the last
of `other_users` is not in the list: an API user seen in usage that has since been deleted.
Enough people are seeded that Get Users takes more than one page at its default size (20).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# user-management.md's examples: roles 1 and 2 are Marketo's system roles, 100 and up custom.
ROLES = [
    {
        "id": 1,
        "name": "Admin",
        "description": "All permissions",
        "type": "system",
        "onlyAllZones": True,
    },
    {
        "id": 2,
        "name": "Standard User",
        "description": "All permissions except Admin",
        "type": "system",
        "onlyAllZones": False,
    },
    {
        "id": 101,
        "name": "API Integration",
        "description": "Custom services of the REST API",
        "type": "custom",
        "onlyAllZones": True,
    },
    {
        "id": 102,
        "name": "Marketing User",
        "description": "All permissions except Admin",
        "type": "custom",
        "onlyAllZones": False,
    },
    {
        "id": 103,
        "name": "Web Designer",
        "description": "Has access to Design Studio except approval permission",
        "type": "custom",
        "onlyAllZones": False,
    },
    {
        "id": 104,
        "name": "CRM Sync API",
        "description": "Lead reads and writes for the CRM",
        "type": "custom",
        "onlyAllZones": True,
    },
]
WORKSPACES = [
    {
        "id": 1,
        "name": "Default",
        "description": "Initial workspace for Marketing Activities, Design Studio, and so on.",
        "globalViz": 0,
    },
    {"id": 1008, "name": "World", "description": "", "globalViz": 0},
    {"id": 1010, "name": "US", "description": "United States - Qualified Leads", "globalViz": 0},
]
# userRoleWorkspaces name this pseudo-workspace for a role over every workspace.
ALL_ZONES = (0, "AllZones")
STAMP = "20240105T09:30:00.0t+0000"  # the page's datetime format for createdAt/updatedAt
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Tim",
    "Margaret",
    "John",
    "Sophie",
    "Lin",
    "Niklaus",
    "Shafi",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Hamilton",
    "Backus",
    "Wilson",
    "Chen",
    "Wirth",
]
PEOPLE = 27


@dataclass
class SeededUser:
    id: int
    userid: str
    first_name: str
    last_name: str
    api_only: bool
    roles: list[tuple[int, int]] = field(default_factory=list)  # (role id, workspace id)

    def record(self) -> dict:
        return {
            "userid": self.userid,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailAddress": self.userid,
            "id": self.id,
            "apiOnly": self.api_only,
        }


class UserDirectory:
    def __init__(self, *, seed: int, api_users: list[str], other_users: list[str]) -> None:
        rng = random.Random(seed + 16)  # noqa: S311 - simulation
        self.users: list[SeededUser] = []
        listed_others = other_users[:-1] if len(other_users) > 1 else other_users
        for email in [*api_users, *listed_others]:
            local = email.split("@")[0]
            role = 104 if local.startswith("crm") else 101
            name = local.replace("-", " ").replace(".", " ").title()
            self._add(email, name, "API", api_only=True, roles=[(role, 0)])
        for n in range(PEOPLE):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}.{n}@corp.example".lower().replace("-", "")
            roles = [(1, 0)] if n < 2 else [(rng.choice([2, 102, 103]), rng.choice([1, 1008]))]
            if n % 5 == 0 and n >= 2:
                roles.append((2, 1010))
            self._add(email, first, last, api_only=False, roles=roles)

    def _add(self, email, first, last, *, api_only: bool, roles) -> None:
        self.users.append(SeededUser(6700 + len(self.users), email, first, last, api_only, roles))

    def find(self, userid: str) -> SeededUser | None:
        return next((u for u in self.users if u.userid.lower() == userid.lower()), None)

    @staticmethod
    def roles() -> list[dict]:
        return [
            {
                **{k: v for k, v in role.items() if k != "onlyAllZones"},
                "hidden": False,
                "onlyAllZones": role["onlyAllZones"],
                "createdAt": STAMP,
                "updatedAt": STAMP,
            }
            for role in ROLES
        ]

    @staticmethod
    def workspaces() -> list[dict]:
        return [
            {
                **space,
                "status": "active",
                "currencyInfo": None,
                "createdAt": STAMP,
                "updatedAt": STAMP,
            }
            for space in WORKSPACES
        ]

    @staticmethod
    def role_workspaces(user: SeededUser) -> list[dict]:
        role_names = {role["id"]: role["name"] for role in ROLES}
        space_names = {space["id"]: space["name"] for space in WORKSPACES}
        space_names[ALL_ZONES[0]] = ALL_ZONES[1]
        return [
            {
                "accessRoleId": role,
                "accessRoleName": role_names[role],
                "workspaceId": space,
                "workspaceName": space_names[space],
            }
            for role, space in user.roles
        ]
