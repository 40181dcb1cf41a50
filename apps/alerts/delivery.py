"""Sending one delivery to its channel, with retries and backoff: being built (issue 16)."""


def deliver(*, delivery_id: int) -> None:
    raise NotImplementedError("deliveries are not sent yet")
