"""The verification schemes by name, as a connection's ``verify`` field names them.

Example:
    >>> sorted(SCHEMES)
    ['bearer', 'github', 'slack', 'standard', 'stripe']
    >>> build_scheme("github", ["s3cret-value"]).name
    'github'
    >>> sorted(CREDENTIAL_HEADERS)[:3]
    ['authorization', 'cookie', 'proxy-authorization']
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.triggers.webhooks.bearer import BearerToken
from workbench.triggers.webhooks.github import GithubSignature
from workbench.triggers.webhooks.scheme import Scheme
from workbench.triggers.webhooks.slack import SlackSignature
from workbench.triggers.webhooks.standard import StandardWebhooks
from workbench.triggers.webhooks.stripe import StripeSignature

SCHEMES: dict[str, type[Scheme]] = {
    scheme.name: scheme
    for scheme in (StandardWebhooks, SlackSignature, GithubSignature, StripeSignature, BearerToken)
}

CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie"}
    | {name for scheme in SCHEMES.values() for name in scheme.credential_headers}
)
"""Headers never kept in a stored event, whatever the scheme: signatures, tokens, cookies."""


def build_scheme(name: str, secrets: Sequence[str]) -> Scheme:
    """The scheme ``name`` with ``secrets`` (already checked by the connection's config)."""
    return SCHEMES[name](secrets)
