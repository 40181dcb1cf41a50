"""Seeded leads and their activities, kept compact: 100,000 leads fit in well under 300 MB.

A lead is a tuple of its field values (fields.STORED order) built from shared pools of
strings; only what is unique (email, phone, CRM id) is allocated per lead. Indexes for the
searchable fields are built on first use.
"""

from __future__ import annotations

import random
import threading
from array import array
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime

from apps.sandbox.seed.activity_types import PRIMARY_SOURCES
from apps.sandbox.seed.fields import FIELD_BY_NAME, SLOT, STORED

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Katherine",
    "John",
    "Hedy",
    "Tim",
    "Sophie",
    "Guido",
    "Anita",
    "Bjarne",
    "Jean",
    "Niklaus",
    "Shafi",
    "Leslie",
    "Adele",
    "Claude",
    "Ivan",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Johnson",
    "McCarthy",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "Rossum",
    "Borg",
    "Stroustrup",
    "Sammet",
    "Wirth",
    "Goldwasser",
    "Lamport",
    "Goldberg",
    "Shannon",
    "Sutherland",
]
COMPANIES = [
    f"{a} {b}"
    for a in (
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
        "Stark",
        "Wayne",
        "Wonka",
        "Tyrell",
        "Cyberdyne",
    )
    for b in ("Corp", "Labs", "Inc", "GmbH")
]
TITLES = [
    "CMO",
    "Marketing Manager",
    "VP Sales",
    "Developer",
    "Analyst",
    "Director of Ops",
    "Account Executive",
    "CTO",
    "Designer",
    "Consultant",
]
PLACES = [
    ("Chicago", "IL", "USA"),
    ("Austin", "TX", "USA"),
    ("Seattle", "WA", "USA"),
    ("Boston", "MA", "USA"),
    ("London", "", "United Kingdom"),
    ("Berlin", "", "Germany"),
    ("Paris", "", "France"),
    ("Sydney", "NSW", "Australia"),
    ("Tokyo", "", "Japan"),
    ("Toronto", "ON", "Canada"),
]
INDUSTRIES = ["Software", "Manufacturing", "Healthcare", "Finance", "Education", "Retail"]
SOURCES = ["Website", "Webinar", "Trade Show", "Paid Search", "Referral", "List Import"]
STATUSES = ["New", "Working", "Nurturing", "MQL", "SQL", "Disqualified"]
TIERS = ["Bronze", "Silver", "Gold", "Platinum"]
INTERESTS = ["Analytics", "Automation", "Integrations", "Mobile", "Security"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]
POSTCODES = [f"{n:05d}" for n in range(10000, 99999, 197)]
EPOCH = int(datetime(2019, 1, 1, tzinfo=UTC).timestamp())
SPAN = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) - EPOCH
FIRST_ID = 100_001


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LeadStore:
    def __init__(self, *, seed: int, count: int, assets) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[str, dict] = {}
        self._by_lead: dict[int, array] | None = None
        # Custom activity types listed besides the standard ones (activities.md, "Custom
        # Activity Types"); a benchmark sets it to see an instance with ~80 types.
        self.custom_activity_types = 0
        rng = random.Random(seed)  # noqa: S311 - seeded simulation data
        self.leads: list[tuple] = [self._make(rng, position) for position in range(count)]
        self._seed_activities(rng, assets)

    # --- leads ---------------------------------------------------------------------------
    @staticmethod
    def _make(rng: random.Random, position: int) -> tuple:
        lead_id = FIRST_ID + position
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state, country = rng.choice(PLACES)
        company = rng.choice(COMPANIES)
        created = EPOCH + rng.randrange(SPAN)
        values = {
            "company": company,
            "email": f"{first}.{last}.{lead_id}@{rng.choice(DOMAINS)}".lower(),
            "firstName": first,
            "lastName": last,
            "title": rng.choice(TITLES),
            "phone": f"+1 312 555 {lead_id % 10000:04d}",
            "city": city,
            "state": state or None,
            "country": country,
            "postalCode": rng.choice(POSTCODES),
            "industry": rng.choice(INDUSTRIES),
            "website": None,
            "numberOfEmployees": rng.choice((10, 50, 200, 1000, 5000)),
            "leadSource": rng.choice(SOURCES),
            "leadStatus": rng.choice(STATUSES),
            "leadScore": rng.randrange(101),
            "unsubscribed": rng.random() < 0.05,
            "sfdcLeadId": f"00Q{lead_id:015d}",
            "leadPartitionId": 1,
            "createdAt": created,
            "updatedAt": created + rng.randrange(86400 * 200),
            "customerTier": rng.choice(TIERS),
            "productInterest": rng.choice(INTERESTS),
            "accountExternalId": f"ACC-{lead_id // 3:07d}",
            "npsScore": rng.randrange(11),
            "lastWebinarDate": None,
            "gdprConsent": rng.random() < 0.6,
        }
        return tuple(values[name] for name in STORED)

    def position(self, lead_id: int) -> int | None:
        position = lead_id - FIRST_ID
        return position if 0 <= position < len(self.leads) else None

    def render(self, position: int, fields: list[str]) -> dict:
        """A lead as the API returns it; fields that are null are left out (leads.md)."""
        values = self.leads[position]
        record = {}
        for name in fields:
            if name == "id":
                record["id"] = FIRST_ID + position
                continue
            value = values[SLOT[name]]
            if value is None:
                continue
            if FIELD_BY_NAME[name].data_type == "datetime":
                value = iso(value)
            record[name] = value
        return record

    def _key(self, field: str, value) -> object:
        if FIELD_BY_NAME[field].data_type == "integer":
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
        return str(value).strip().lower()

    def _index(self, field: str) -> dict:
        index = self._indexes.get(field)
        if index is None:
            with self._lock:
                index = {}
                slot = SLOT.get(field)
                for position, values in enumerate(self.leads):
                    value = FIRST_ID + position if slot is None else values[slot]
                    index.setdefault(self._key(field, value), []).append(position)
                self._indexes[field] = index
        return index

    def find(self, field: str, values: list[str]) -> list[int]:
        """Positions of leads whose `field` matches one of `values`, in id order."""
        if field == "id":
            keys = (self._key("id", v) for v in values)  # ints, or None for a non-number
            found = {self.position(key) for key in keys if key}  # type: ignore[arg-type]
            return sorted(p for p in found if p is not None)
        index = self._index(field)
        matches: set[int] = set()
        for value in values:
            matches.update(index.get(self._key(field, value), ()))
        return sorted(matches)

    def upsert(self, position: int | None, changes: dict, now: int) -> int:
        """Create (position None) or update a lead; keep the built indexes right."""
        with self._lock:
            if position is None:
                blank = dict.fromkeys(STORED)
                blank.update(leadPartitionId=1, createdAt=now, unsubscribed=False)
                old = tuple(blank[name] for name in STORED)
                self.leads.append(old)
                position = len(self.leads) - 1
                if "id" in self._indexes:
                    self._indexes["id"].setdefault(FIRST_ID + position, []).append(position)
            old = self.leads[position]
            new = list(old)
            for name, value in changes.items():
                new[SLOT[name]] = value
            new[SLOT["updatedAt"]] = now
            self.leads[position] = tuple(new)
            for field, index in self._indexes.items():
                slot = SLOT.get(field)
                if slot is None or old[slot] == new[slot]:
                    continue
                before = index.get(self._key(field, old[slot]), [])
                if position in before:
                    before.remove(position)
                index.setdefault(self._key(field, new[slot]), []).append(position)
                index[self._key(field, new[slot])].sort()
        return position

    # --- memberships, derived from ids so that they cost no memory -------------------------
    @staticmethod
    def member_of(lead_id: int, ordinal: int, modulus: int) -> bool:
        return (lead_id * 31 + ordinal * 17) % modulus == 0

    # --- activities -------------------------------------------------------------------------
    def _seed_activities(self, rng: random.Random, assets) -> None:
        """About four activities per lead, sorted by time, in parallel arrays."""
        rows = []
        kinds = list(PRIMARY_SOURCES)
        for position, values in enumerate(self.leads):
            created = values[SLOT["createdAt"]]
            rows.append((created, position, 12, 0))  # New Lead
            for _ in range(rng.randrange(7)):
                type_id = rng.choice(kinds)
                pool = assets.ids(PRIMARY_SOURCES[type_id]) if PRIMARY_SOURCES[type_id] else ()
                primary = rng.choice(pool) if pool else rng.randrange(1, 5000)
                rows.append((created + rng.randrange(86400 * 400), position, type_id, primary))
        rows.sort()
        self.activity_time = array("q", (row[0] for row in rows))
        self.activity_lead = array("i", (row[1] for row in rows))
        self.activity_type = array("I", (row[2] for row in rows))  # custom types: 100001+
        self.activity_primary = array("i", (row[3] for row in rows))

    def activities_after(self, moment: int, after: int) -> int:
        """Index of the first activity later than (moment, after)."""
        if after >= 0:
            return after + 1
        return bisect_right(self.activity_time, moment)

    def activity_index_at(self, moment: int) -> int:
        """Index of the first activity later than `moment` (epoch seconds)."""
        return bisect_right(self.activity_time, moment)

    def lead_activities_between(self, position: int, start: int, stop: int) -> list[int]:
        """Indexes in [start, stop) of one lead's activities, from a per-lead index built on
        first use, so that a lead's page never scans the instance's whole log."""
        with self._lock:
            if self._by_lead is None:
                by_lead: dict[int, array] = {}
                for index, lead in enumerate(self.activity_lead):
                    by_lead.setdefault(lead, array("i")).append(index)
                self._by_lead = by_lead
            indexes = self._by_lead.get(position, array("i"))
        return indexes[bisect_left(indexes, start) : bisect_left(indexes, stop)].tolist()

    def activity_add(self, *, position: int, type_id: int, moment: int, primary: int = 0) -> int:
        """Insert one activity in time order (for tests: a lead with sparse activity over
        months). Later activities move one index up, so their ids change too."""
        with self._lock:
            index = bisect_right(self.activity_time, moment)
            self.activity_time.insert(index, moment)
            self.activity_lead.insert(index, position)
            self.activity_type.insert(index, type_id)
            self.activity_primary.insert(index, primary)
            self._by_lead = None
        return index
