"""Telling subscribers about position changes (delivery) and doing it in the background (tasks).

The subscription and delivery models live with the others in negotiations.models.
"""

from negotiations.webhooks.delivery import (
    attempt,
    enqueue,
    payload,
    sign,
    still_published,
    verify,
)

__all__ = ["attempt", "enqueue", "payload", "sign", "still_published", "verify"]
