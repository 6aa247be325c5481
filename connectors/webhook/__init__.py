"""Webhook connector: verified HTTP deliveries (Standard Webhooks, Slack, GitHub, Stripe, token)."""

from workbench.connectors.webhook.config import WebhookConfig
from workbench.connectors.webhook.connector import Webhook

__all__ = ["Webhook", "WebhookConfig"]
