"""The settings of an AWS Lambda connection."""

from __future__ import annotations

from pydantic import Field

from workbench.sdk.aws import AwsConfig


class LambdaConfig(AwsConfig):
    """Which region (or endpoint) the functions live in, and the credentials
    (:class:`~workbench.sdk.aws.AwsConfig`); ``read_timeout`` defaults to 900 s, the
    longest a function may run.

    Example:
        >>> cfg = LambdaConfig(region="eu-west-1", access_key_id="AKIDEXAMPLE",
        ...                    secret_access_key="lambda-secret-example")
        >>> cfg.public_fields()["secret_access_key"], cfg.region
        ('***', 'eu-west-1')
    """

    read_timeout: float = Field(
        default=900.0,
        gt=0,
        description="Seconds to wait for a synchronous invocation to answer",
    )
