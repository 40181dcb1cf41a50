from dataclasses import dataclass, field


@dataclass(frozen=True)
class InstanceConfig:
    """What the client needs to reach one instance. The secret never shows in a repr."""

    instance_id: int
    name: str
    rest_url: str  # https://123-ABC-456.mktorest.com/rest
    identity_url: str  # https://123-ABC-456.mktorest.com/identity
    client_id: str
    client_secret: str = field(repr=False)
