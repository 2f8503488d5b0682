"""Webhook subscriptions and the log of every delivery attempt."""

from __future__ import annotations

import secrets

from django.db import models

from actors.models import Actor
from negotiations.models.derived import Position
from negotiations.models.table import Issue, Negotiation


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class SubscriptionQuerySet(models.QuerySet):
    def matching(self, position: Position) -> SubscriptionQuerySet:
        """Keep active subscriptions whose filters let this position change through."""
        subscriptions = self.filter(active=True).filter(
            models.Q(negotiation__isnull=True) | models.Q(negotiation=position.negotiation_id),
            models.Q(actor__isnull=True) | models.Q(actor=position.actor_id),
        )
        if position.target_type == "issue":
            return subscriptions.filter(
                models.Q(issue__isnull=True) | models.Q(issue=position.target_id)
            )
        return subscriptions.filter(issue__isnull=True)


class Subscription(models.Model):
    url = models.URLField(
        "URL", max_length=1000, help_text="Parley POSTs each position change here as JSON."
    )
    secret = models.CharField(
        max_length=100,
        default=_new_secret,
        help_text="Shared secret for the X-Parley-Signature header (HMAC-SHA256).",
    )
    # CASCADE on the filters: a subscription to a negotiation that is gone is moot.
    negotiation = models.ForeignKey(
        Negotiation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="Only changes in this negotiation. Empty: all.",
    )
    actor = models.ForeignKey(
        Actor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="Only changes of this actor's positions. Empty: all.",
    )
    issue = models.ForeignKey(
        Issue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        help_text="Only changes on this issue. Empty: all targets.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed (gave up)"
    WITHDRAWN = "withdrawn", "withdrawn (its statement is no longer published)"


class Delivery(models.Model):
    """One event for one subscription; its attempts are logged below it."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at"]
        constraints = [
            # Deduplication: the same change reaches a subscriber once.
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="delivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values),
                name="delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
