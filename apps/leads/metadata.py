"""What an instance's lead database looks like (searchable fields, fields, activity types),
cached for a day: it changes when an admin adds a field, and each answer costs a call."""

from django.core.cache import cache

from apps.instances.client import marketo_client
from apps.marketo import activities as marketo_activities
from apps.marketo import leads as marketo_leads
from apps.marketo.governor import Priority

DAY = 60 * 60 * 24
# Used when describe2 is not cached and cannot be had: the one field every instance has,
# with the display name Marketo gives it (help/rest-api/leads.md, "By Name").
FALLBACK_CHOICES = [("email", "Email Address")]
# describe's data type of moments, ISO 8601 (help/rest-api/field-types.md); a "date" is a
# day, the same in every zone, and stays as Marketo writes it.
MOMENT_TYPE = "datetime"


def moment_fields(lookup, names) -> set[str]:
    """Those of `names` that the lookup's describe typed as moments."""
    return {
        name for name in names if (lookup.field_info.get(name) or {}).get("type") == MOMENT_TYPE
    }


# Marketo's standard lead fields (help/rest-api/lead-database-fields.md); the rest of what
# describe lists was added by the instance's admins.
STANDARD_FIELDS = {
    "salutation", "firstName", "middleName", "lastName", "email", "phone", "mobilePhone",
    "fax", "title", "contactCompany", "dateOfBirth", "address", "city", "state", "country",
    "postalCode", "personTimeZone", "originalSourceType", "originalSourceInfo",
    "registrationSourceType", "registrationSourceInfo", "originalSearchEngine",
    "originalSearchPhrase", "originalReferrer", "emailInvalid", "emailInvalidCause",
    "unsubscribed", "unsubscribedReason", "doNotCall", "doNotCallReason", "company",
    "site", "billingStreet", "billingCity", "billingState", "billingCountry",
    "billingPostalCode", "mainPhone", "annualRevenue", "numberOfEmployees", "industry",
    "sicCode", "website", "rating", "leadRole", "leadSource", "leadStatus", "leadScore",
    "urgency", "priority", "relativeScore", "relativeUrgency", "department", "anonymousIP",
    "inferredCompany", "inferredCountry", "inferredCity", "inferredStateRegion",
    "inferredPostalCode", "inferredMetropolitanArea", "inferredPhoneAreaCode",
    "facebookDisplayName", "linkedInDisplayName", "twitterDisplayName", "isLead",
    "isAnonymous", "marketingSuspended", "marketingSuspendedReason", "externalCompanyId",
    "externalSalesPersonId", "cookies", "leadPerson", "gender",
}  # fmt: skip
SYSTEM_FIELDS = {"id", "createdAt", "updatedAt", "leadPartitionId", "leadRevenueCycleModelId"}
# Shown in result tables when nobody chose otherwise.
DEFAULT_COLUMNS = ["id", "firstName", "lastName", "email", "company", "updatedAt"]


def _client(instance, user, deadline_seconds: float | None = None):
    client = marketo_client(
        instance, priority=Priority.INTERACTIVE, feature="lead_lookup", user=user
    )
    if deadline_seconds:
        # No further attempt starts after this (apps/marketo/client.py, DEADLINE_SECONDS).
        client.deadline_seconds = deadline_seconds
    return client


def _cached(key, fetch, refresh):
    if not refresh:
        value = cache.get(key)
        if value is not None:
            return value
    value = fetch()
    cache.set(key, value, DAY)
    return value


def _describe2_key(instance) -> str:
    return f"leads:describe2:{instance.pk}"


def _describe_key(instance) -> str:
    return f"leads:describe:{instance.pk}"


def describe2_get(*, instance, user=None, refresh=False, deadline_seconds=None) -> dict:
    return _cached(
        _describe2_key(instance),
        lambda: marketo_leads.lead_describe2(_client(instance, user, deadline_seconds)),
        refresh,
    )


def searchable_fields_get(
    *, instance, user=None, refresh=False, deadline_seconds=None
) -> list[str]:
    """`deadline_seconds`: give up sooner than an interactive call would (no attempt starts
    after it), for a part of a page that a person waits for."""
    return marketo_leads.searchable_fields(
        describe2_get(
            instance=instance, user=user, refresh=refresh, deadline_seconds=deadline_seconds
        )
    )


def searchable_choices_get(
    *, instance, user=None, refresh=False, deadline_seconds=None
) -> list[tuple[str, str]]:
    """[(API name, display name)] of the searchable fields, by display name. describe2 gives
    each field's `displayName` beside its `name` (help/rest-api/assets/swagger-mapi.json,
    LeadAttribute2Fields), so the names cost no call beyond the list itself.
    `deadline_seconds`: as for `searchable_fields_get`."""
    return _choices(
        describe2_get(
            instance=instance, user=user, refresh=refresh, deadline_seconds=deadline_seconds
        )
    )


def searchable_choices_cached(*, instance) -> list[tuple[str, str]] | None:
    """The choices of `searchable_choices_get` if describe2 is cached, else None: no call."""
    described = cache.get(_describe2_key(instance))
    return None if described is None else _choices(described)


def _choices(describe2: dict) -> list[tuple[str, str]]:
    labels = _describe2_labels(describe2)
    names = marketo_leads.searchable_fields(describe2)
    return sorted(((name, labels.get(name) or name) for name in names), key=_by_label)


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


def _describe2_labels(describe2: dict) -> dict[str, str]:
    return {
        item["name"]: item.get("displayName") or item["name"]
        for item in describe2.get("fields", [])
        if item.get("name")
    }


def cached_labels(*, instance) -> dict[str, str]:
    """{API name: display name} from what is cached (describe, else describe2), never
    calling Marketo: for pages that must render whatever Marketo's state."""
    labels = _describe2_labels(cache.get(_describe2_key(instance)) or {})
    for item in cache.get(_describe_key(instance)) or []:
        labels[item["name"]] = item["label"]
    return labels


def lead_fields_forget(*, instance) -> None:
    cache.delete(_describe_key(instance))


def lead_fields_get(*, instance, user=None, refresh=False) -> list[dict]:
    """describe's REST fields: [{name, label, data_type, read_only, group}]."""

    def fetch():
        fields = []
        for item in marketo_leads.lead_describe(_client(instance, user)):
            rest = item.get("rest")
            if not rest:
                continue  # a SOAP-only field: the REST API does not return it
            fields.append(
                {
                    "name": rest["name"],
                    "label": item.get("displayName") or rest["name"],
                    "data_type": item.get("dataType", "string"),
                    "read_only": bool(rest.get("readOnly")),
                    "group": field_group(rest["name"]),
                }
            )
        return fields

    return _cached(_describe_key(instance), fetch, refresh)


def field_group(name: str) -> str:
    if name in SYSTEM_FIELDS or name.startswith(("sfdc", "mkto")):
        return "system"
    if name in STANDARD_FIELDS:
        return "standard"
    return "custom"


def field_data_type(*, instance, user, name: str) -> str:
    for item in lead_fields_get(instance=instance, user=user):
        if item["name"] == name:
            return item["data_type"]
    return "string"


def activity_types_get(*, instance, user=None, refresh=False) -> dict[int, str]:
    """{type id: name}. Keys are strings in the cache (JSON), ints here."""
    types = _cached(
        f"leads:activity-types:{instance.pk}",
        lambda: {
            str(row["id"]): row["name"]
            for row in marketo_activities.activity_types(_client(instance, user))
        },
        refresh,
    )
    return {int(key): name for key, name in types.items()}
