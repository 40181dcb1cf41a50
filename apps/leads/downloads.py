"""A lookup's downloads, the same for the page and the API."""

from apps.core.csv_export import csv_response
from apps.leads import metadata, selectors
from apps.marketo.leads import TOO_MANY_MATCHES_WORDS


def lookup_columns(lookup, wanted: list[str]) -> list[str]:
    """The columns asked for that the lookup has, else the default ones."""
    chosen = [name for name in wanted if name in lookup.fields]
    return chosen or [name for name in metadata.DEFAULT_COLUMNS if name in lookup.fields]


def found_csv(lookup, columns: list[str]):
    rows = (
        [row.data.get(name) for name in columns]
        for row in selectors.result_rows(lookup=lookup).iterator(chunk_size=1000)
    )
    return csv_response(f"lead-lookup-{lookup.pk}-found.csv", columns, rows)


def too_many_csv(lookup):
    """The values that matched more than 1,000 leads, each with what happened in words."""
    rows = ([value, TOO_MANY_MATCHES_WORDS] for value in selectors.too_many_values(lookup=lookup))
    return csv_response(f"lead-lookup-{lookup.pk}-too-many.csv", [lookup.field, "result"], rows)


def not_found_csv(lookup):
    rows = ([value] for value in selectors.not_found_values(lookup=lookup))
    return csv_response(f"lead-lookup-{lookup.pk}-not-found.csv", [lookup.field], rows)
