"""Building blocks of connectors on AWS services through boto3: settings, a client made on
first use, and botocore's transport failures in words.

boto3 is imported on first use, so importing a connector costs nothing and a missing
driver fails with the ``pip install 'workbench[EXTRA]'`` of the connector's extra.

Example:
    >>> class Queue(AwsConnector):
    ...     "Messages on SQS."
    ...     name, service, extra = "queue_example", "sqs", "aws"
    ...     config_model = AwsConfig
    >>> queue = Queue(AwsConfig(region="eu-west-1"), connection="jobs")
    >>> queue.config.public_fields()["region"], queue.service
    ('eu-west-1', 'sqs')
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import Field, SecretStr, model_validator

from workbench.errors import ConfigError
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.connector import Connector
from workbench.sdk.deps import require

QUICK_CONNECT, QUICK_READ = 3.0, 5.0
"""Timeouts (seconds) of a check's client, which also makes no retries."""


class AwsConfig(ConnectionConfig):
    """The region (or a compatible endpoint) and the credentials of an AWS service.

    Without ``access_key_id`` the usual AWS chain applies (environment, ``~/.aws``,
    instance role).

    Example:
        >>> cfg = AwsConfig(region="eu-west-1", access_key_id="AKIDEXAMPLE",
        ...                 secret_access_key="aws-secret-example")
        >>> cfg.public_fields()["secret_access_key"], cfg.region
        ('***', 'eu-west-1')
        >>> try:
        ...     AwsConfig(access_key_id="only-the-id")
        ... except ValueError as exc:
        ...     print("give both or none" in str(exc))
        True
    """

    region: str | None = Field(
        default=None,
        description="The AWS region (us-east-1 when an endpoint_url is given and no region)",
    )
    endpoint_url: str | None = Field(
        default=None,
        description="A compatible endpoint (MinIO, LocalStack, moto); AWS when empty",
    )
    access_key_id: str | None = Field(default=None, description="The access key id")
    secret_access_key: SecretStr | None = Field(default=None, description="The secret access key")
    session_token: SecretStr | None = Field(default=None, description="A temporary session token")
    profile: str | None = Field(
        default=None, description="A profile of ~/.aws/config to take credentials from"
    )
    connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a connection"
    )
    read_timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for a response")
    max_attempts: int = Field(default=3, ge=1, description="Attempts per request, retries included")

    @model_validator(mode="after")
    def _keys_come_in_pairs(self) -> Self:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("access_key_id and secret_access_key go together: give both or none")
        return self


def aws_client(
    service: str,
    config: AwsConfig,
    connection: str,
    *,
    extra: str,
    quick: bool = False,
    **settings: Any,
) -> Any:
    """A boto3 client of ``service`` for ``config``; ``quick`` gives short timeouts and no
    retries (checks); ``settings`` go to botocore's ``Config`` as they are.

    Example:
        >>> aws_client("s3", AwsConfig(profile="nowhere-such"), "store", extra="s3")
        Traceback (most recent call last):
        ...
        workbench.errors.ConfigError: store: no AWS profile 'nowhere-such'
    """
    boto3 = require("boto3", extra)
    botocore_config = require("botocore.config", extra).Config
    errors = require("botocore.exceptions", extra)
    secret, token = config.secret_access_key, config.session_token
    try:
        session = boto3.session.Session(
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            aws_session_token=token.get_secret_value() if token else None,
            profile_name=config.profile,
        )
    except errors.ProfileNotFound:
        raise ConfigError(f"{connection}: no AWS profile {config.profile!r}") from None
    region = config.region or ("us-east-1" if config.endpoint_url else None)
    connect, read, attempts = config.connect_timeout, config.read_timeout, config.max_attempts
    if quick:
        connect, read, attempts = min(connect, QUICK_CONNECT), min(read, QUICK_READ), 1
    client_config = botocore_config(
        connect_timeout=connect,
        read_timeout=read,
        retries={"max_attempts": attempts, "mode": "standard"},
        **settings,
    )
    try:
        return session.client(
            service, endpoint_url=config.endpoint_url, region_name=region, config=client_config
        )
    except errors.NoRegionError:
        raise ConfigError(
            f"{connection}: no AWS region: set region on the connection (or AWS_DEFAULT_REGION)"
        ) from None
    except ValueError as exc:  # botocore refuses an endpoint_url that is not a URL
        raise ConfigError(
            f"{connection}: endpoint_url {config.endpoint_url!r} is not a valid URL ({exc})"
        ) from None


def transport_problem(exc: Exception, title: str, endpoint: str, extra: str) -> str | None:
    """Why a call to the service called ``title`` never got an answer (unreachable, too
    slow, no credentials), in words; None for other failures.

    Example:
        >>> from botocore.exceptions import EndpointConnectionError
        >>> transport_problem(EndpointConnectionError(endpoint_url="http://x"), "S3", "http://x", "s3")
        'cannot reach S3 at http://x (EndpointConnectionError)'
        >>> transport_problem(ValueError("x"), "S3", "http://x", "s3") is None
        True
    """  # noqa: E501
    errors = require("botocore.exceptions", extra)
    if isinstance(
        exc,
        errors.EndpointConnectionError | errors.ConnectTimeoutError | errors.ConnectionClosedError,
    ):
        return f"cannot reach {title} at {endpoint} ({type(exc).__name__})"
    if isinstance(exc, errors.ReadTimeoutError):
        return f"{title} at {endpoint} did not answer in time ({type(exc).__name__})"
    if isinstance(exc, errors.NoCredentialsError | errors.PartialCredentialsError):
        return (
            f"no credentials for {title} at {endpoint}: set access_key_id and "
            "secret_access_key on the connection, or configure the AWS credential chain"
        )
    return None


def unreachable_errors(extra: str) -> tuple[type[Exception], ...]:
    """The botocore errors of a service that could not be reached (in time)."""
    errors = require("botocore.exceptions", extra)
    return (
        errors.EndpointConnectionError,
        errors.ConnectTimeoutError,
        errors.ConnectionClosedError,
        errors.ReadTimeoutError,
    )


class AwsConnector(Connector):
    """A connector on one AWS service: ``client`` is made on first use and closed by
    :meth:`close`; ``quick_client()`` is a fresh one for checks."""

    service: ClassVar[str]
    """The boto3 service name (``s3``, ``lambda``)."""
    extra: ClassVar[str]
    """The extra that installs boto3 for this connector."""
    config: AwsConfig

    def __init__(self, config: Any = None, *, connection: str | None = None) -> None:
        super().__init__(config, connection=connection)
        self._client: Any = None

    def client_settings(self) -> dict[str, Any]:
        """More botocore ``Config`` settings of the service's client."""
        return {}

    @property
    def client(self) -> Any:
        """The boto3 client, made on first use."""
        if self._client is None:
            self._client = aws_client(
                self.service,
                self.config,
                self.connection,
                extra=self.extra,
                **self.client_settings(),
            )
        return self._client

    def quick_client(self) -> Any:
        """A new client with short timeouts and no retries, for :meth:`check`."""
        return aws_client(
            self.service,
            self.config,
            self.connection,
            extra=self.extra,
            quick=True,
            **self.client_settings(),
        )

    @property
    def endpoint(self) -> str:
        """The endpoint the connection talks to."""
        return str(self.client.meta.endpoint_url)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
