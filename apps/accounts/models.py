import hashlib
import secrets

from django.conf import settings
from django.db import models

from apps.accounts.zones import TIME_ZONES
from apps.core.permissions import Action

TIME_ZONE_CHOICES = [(name, name) for name in TIME_ZONES]


class Profile(models.Model):
    """What a user chooses for themselves. Also carries the role permissions (see Meta)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    time_zone = models.CharField(
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default="UTC",
        help_text="Times on every page are shown in this zone.",
    )

    class TimeZoneSource(models.TextChoices):
        # Nobody chose yet: the browser's zone is taken at the next sign-in (once).
        DEFAULT = "default", "Not chosen yet"
        BROWSER = "browser", "Taken from the browser at sign-in"
        CHOSEN = "chosen", "Chosen by the user"

    # Whether the user chose their zone: a zone they chose is never replaced by the browser's.
    time_zone_source = models.CharField(
        max_length=16, choices=TimeZoneSource.choices, default=TimeZoneSource.DEFAULT
    )
    # The instance switcher opens on the instance a user last worked on.
    last_instance_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        # The permissions that the role groups hold; `permissions.may` checks them.
        permissions = list(Action.choices)

    def __str__(self) -> str:
        return f"profile of {self.user}"


API_TOKEN_PREFIX = "mka_"  # noqa: S105 (a marker that names our keys, not a secret)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def matching(self, key: str):
        return self.active().filter(key_hash=_hash_key(key)).select_related("user")


class ApiToken(models.Model):
    """A personal API key. Only its hash is stored: the key is shown once, when created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'BI export'.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(max_length=12, editable=False)  # "mka_3fA9…": enough to recognise
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @classmethod
    def new_key(cls) -> str:
        return API_TOKEN_PREFIX + secrets.token_urlsafe(32)

    def set_key(self, key: str) -> None:
        self.key_hash = _hash_key(key)
        self.key_hint = key[: len(API_TOKEN_PREFIX) + 4]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
