"""Moving every stored secret to the current (first) vault key."""

from dataclasses import dataclass, field

from django.db import models, transaction

from apps.audit.services import audit_record
from apps.instances import vault
from apps.instances.models import MarketoInstance


@dataclass(frozen=True)
class EncryptedColumns:
    """A model's vault-encrypted columns, and the field that names a row in the report."""

    model: type[models.Model]
    name_field: str
    fields: tuple[str, ...]
    kind: str = ""  # what a row is, before its name in the report ("" for instances)


# Every model that keeps values under the vault's keys. The apps above this one register
# theirs when they start (apps.alerts: the channels' webhook addresses and HMAC secrets),
# since this app may not import them.
ENCRYPTED: list[EncryptedColumns] = [
    EncryptedColumns(MarketoInstance, "name", ("client_secret_encrypted",))
]


def register_encrypted(columns: EncryptedColumns) -> None:
    if columns not in ENCRYPTED:
        ENCRYPTED.append(columns)


@dataclass
class RotationReport:
    moved: int = 0
    already_current: int = 0
    undecryptable: list[str] = field(default_factory=list)


def credentials_rotate(*, batch_size: int = 100, actor=None) -> RotationReport:
    """Re-encrypt, in batches, every secret that another key encrypted.

    Each row is written only if its stored value is still the one that was read
    (a conditional UPDATE), so an edit made meanwhile is never overwritten, and
    stopping half-way leaves every row readable: run it again to finish.
    """
    report = RotationReport(undecryptable=[])
    current = vault.current_key_id()
    for columns in ENCRYPTED:
        for column in columns.fields:
            _rotate_column(columns, column, current, batch_size, report)
    audit_record(
        action="credentials.rotate",
        actor=actor,
        details={
            "key_id": current,
            "moved": report.moved,
            "already_current": report.already_current,
            "undecryptable": report.undecryptable,
        },
    )
    return report


def _rotate_column(
    columns: EncryptedColumns, column: str, current: str, batch_size: int, report: RotationReport
) -> None:
    model = columns.model
    last_pk = 0
    while True:
        batch = list(
            model._default_manager.filter(pk__gt=last_pk)
            .exclude(**{column: ""})
            .order_by("pk")
            .values_list("pk", columns.name_field, column)[:batch_size]
        )
        if not batch:
            return
        last_pk = batch[-1][0]
        with transaction.atomic():
            for pk, name, stored in batch:
                if vault.stored_key_id(stored) == current:
                    report.already_current += 1
                    continue
                try:
                    plaintext = vault.decrypt(stored)
                except vault.UndecryptableSecret:
                    entry = f"{columns.kind} {name}".strip()
                    if entry not in report.undecryptable:  # one row, several columns
                        report.undecryptable.append(entry)
                    continue
                report.moved += model._default_manager.filter(pk=pk, **{column: stored}).update(
                    **{column: vault.encrypt(plaintext)}
                )
