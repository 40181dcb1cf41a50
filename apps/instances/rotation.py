"""Moving every stored secret to the current (first) vault key."""

from dataclasses import dataclass, field

from django.db import transaction

from apps.audit.services import audit_record
from apps.instances import vault
from apps.instances.models import MarketoInstance


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
    last_pk = 0
    while True:
        batch = list(
            MarketoInstance.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "name", "client_secret_encrypted")[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        with transaction.atomic():
            for pk, name, stored in batch:
                if vault.stored_key_id(stored) == current:
                    report.already_current += 1
                    continue
                try:
                    plaintext = vault.decrypt(stored)
                except vault.UndecryptableSecret:
                    report.undecryptable.append(name)
                    continue
                report.moved += MarketoInstance.objects.filter(
                    pk=pk, client_secret_encrypted=stored
                ).update(client_secret_encrypted=vault.encrypt(plaintext))
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
