"""The settings of an Azure Functions connection: the function app and its key."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from workbench.sdk import ConnectionConfig
from workbench.sdk.http import DEFAULT_MAX_RESPONSE_BYTES


class AzureFunctionsConfig(ConnectionConfig):
    """Where the function app is, its route prefix, and the function (or host) key.

    The key is sent as the ``x-functions-key`` header, and only to the origin of
    ``base_url``. Functions with ``authLevel: anonymous`` need no key.

    Example:
        >>> cfg = AzureFunctionsConfig(base_url="https://orders-app.azurewebsites.net",
        ...                            function_key="fn-key-example-123")
        >>> cfg.public_fields()["function_key"], cfg.function_url("resize")
        ('***', 'https://orders-app.azurewebsites.net/api/resize')
    """

    base_url: str = Field(description="The function app's URL, e.g. https://NAME.azurewebsites.net")
    function_key: SecretStr | None = Field(
        default=None, description="A function or host key, sent as x-functions-key"
    )
    route_prefix: str = Field(
        default="api",
        description="The app's HTTP route prefix (host.json extensions.http.routePrefix)",
    )
    timeout: float = Field(
        default=230.0, gt=0, description="Seconds to wait for a function to answer"
    )
    verify: bool = Field(default=True, description="Verify the server's TLS certificate")
    max_attempts: int = Field(
        default=4,
        ge=1,
        description="Tries of a request that fails with 429, 502-504 or a lost connection "
        "(POST only when it never reached the app)",
    )
    time_budget: float = Field(
        default=600.0, gt=0, description="Total seconds a call may take, retries included"
    )
    max_response_bytes: int = Field(
        default=DEFAULT_MAX_RESPONSE_BYTES, gt=0, description="Largest response body read"
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    def function_url(self, function: str) -> str:
        """The URL of ``function``: base URL, route prefix, function route.

        Example:
            >>> AzureFunctionsConfig(base_url="http://127.0.0.1:7071/",
            ...                      route_prefix="").function_url("/orders/42")
            'http://127.0.0.1:7071/orders/42'
        """
        parts = [self.base_url, self.route_prefix.strip("/"), function.strip("/")]
        return "/".join(part for part in parts if part)
