"""Deterministic seeded data: the same seed gives the same instance, byte for byte."""

from apps.sandbox.seed.assets import AssetStore
from apps.sandbox.seed.leads import LeadStore
from apps.sandbox.seed.users import UserDirectory

__all__ = ["AssetStore", "LeadStore", "UserDirectory"]
