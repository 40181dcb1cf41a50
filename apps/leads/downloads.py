"""A lookup's downloads, the same for the page and the API.

Column headers are describe's display names, as the page shows them ("Email Address");
`?headers=api` gives the API names instead ("email"), for files read by programs."""

from django.utils import timezone

from apps.core.csv_export import csv_response, local_moment
from apps.leads import metadata, selectors
from apps.marketo.leads import TOO_MANY_MATCHES_WORDS
from apps.marketo.moments import marketo_time

# The value of the `headers` parameter that asks for API names.
API_HEADERS = "api"


def lookup_columns(lookup, wanted: list[str]) -> list[str]:
    """The columns asked for that the lookup has, else the default ones."""
    chosen = [name for name in wanted if name in lookup.fields]
    return chosen or [name for name in metadata.DEFAULT_COLUMNS if name in lookup.fields]


def wants_api_names(params) -> bool:
    """Whether a request's query (`request.GET`, `request.query_params`) asks for API names."""
    return params.get("headers", "") == API_HEADERS


def _header(lookup, names: list[str], api_names: bool) -> list[str]:
    if api_names:
        return list(names)
    labels = selectors.field_labels(lookup=lookup)
    return [labels.get(name, name) for name in names]


def found_csv(lookup, columns: list[str], *, api_names: bool = False):
    """Datetime fields in the viewer's zone with the offset, as the page shows them (Marketo
    writes them in UTC); every other value as Marketo wrote it."""
    zone = timezone.get_current_timezone()  # the rows are written after the view returns
    moments = metadata.moment_fields(lookup, columns)

    def cell(name, value):
        when = marketo_time(value) if name in moments else None
        return local_moment(when, zone) if when else value

    rows = (
        [cell(name, row.data.get(name)) for name in columns]
        for row in selectors.result_rows(lookup=lookup).iterator(chunk_size=1000)
    )
    header = _header(lookup, columns, api_names)
    return csv_response(f"lead-lookup-{lookup.pk}-found.csv", header, rows)


def too_many_csv(lookup, *, api_names: bool = False):
    """The values that matched more than 1,000 leads, each with what happened in words."""
    rows = ([value, TOO_MANY_MATCHES_WORDS] for value in selectors.too_many_values(lookup=lookup))
    header = [*_header(lookup, [lookup.field], api_names), "result" if api_names else "Result"]
    return csv_response(f"lead-lookup-{lookup.pk}-too-many.csv", header, rows)


def not_found_csv(lookup, *, api_names: bool = False):
    rows = ([value] for value in selectors.not_found_values(lookup=lookup))
    header = _header(lookup, [lookup.field], api_names)
    return csv_response(f"lead-lookup-{lookup.pk}-not-found.csv", header, rows)
