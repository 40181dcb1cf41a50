from dataclasses import dataclass, field

from apps.marketo.outbound import MARKETO_ONLY, OutboundPolicy


@dataclass(frozen=True)
class InstanceConfig:
    """What the client needs to reach one instance. The secret never shows in a repr."""

    instance_id: int
    name: str
    rest_url: str  # https://123-ABC-456.mktorest.com/rest
    identity_url: str  # https://123-ABC-456.mktorest.com/identity
    client_id: str
    client_secret: str = field(repr=False)
    # Where the client may connect (outbound.py). The product builds it from its settings
    # (apps/instances/outbound.py); the default allows Marketo's hosts only.
    outbound: OutboundPolicy = MARKETO_ONLY
