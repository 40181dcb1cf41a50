"""The words for the features that make calls (the `feature` of the ledger's rows): the one
place the usage pages turn a slug such as "asset_sync" into "Asset sync"."""

FEATURE_LABELS = {
    "": "(none)",
    "lead_lookup": "Lead lookup",
    "lead_detail": "Lead detail",
    "asset_sync": "Asset sync",
    "asset_refresh": "Asset refresh",
    "asset_approve": "Asset approval",
    "asset_unapprove": "Asset unapproval",
    "asset_clone": "Asset clone",
    "usage_sync": "Usage sync",
    "connection_test": "Connection test",
    "marketo_call": "Command-line call",
    "load_test": "Load test",
}


def feature_label(slug: str | None) -> str:
    """A feature's name in words; a slug not listed yet reads "Some feature"."""
    slug = slug or ""
    if slug in FEATURE_LABELS:
        return FEATURE_LABELS[slug]
    return slug.replace("_", " ").strip().capitalize()
