"""Webhook connector: verified HTTP deliveries (Standard Webhooks, Slack, GitHub, Stripe, token)."""

from connectors.webhook.config import WebhookConfig
from connectors.webhook.connector import Webhook

__all__ = ["Webhook", "WebhookConfig"]
