"""What the usage app tells the apps above it, which it cannot import."""

from django.dispatch import Signal

# A usage sync stored what it read (keyword: sync, the UsageSync). The alert rules evaluate
# the instance at once rather than at their next minute.
usage_synced = Signal()
