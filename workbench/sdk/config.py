"""The base class of every connector's connection settings."""

from __future__ import annotations

import types
import typing
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, SecretStr

from workbench.redaction import MASK, register_secret


class ConnectionConfig(BaseModel):
    """Settings of one connection: endpoint, options and credentials.

    Declare credentials as ``SecretStr``: their values are masked in every repr, and are
    registered for redaction so they never reach an output, a log or an error message.

    Example:
        >>> from pydantic import SecretStr
        >>> class ApiConfig(ConnectionConfig):
        ...     base_url: str
        ...     token: SecretStr | None = None
        >>> cfg = ApiConfig(base_url="https://api.example.com", token="t0ps3cret")
        >>> cfg.public_fields()
        {'base_url': 'https://api.example.com', 'token': '***'}
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="forbid", frozen=True, validate_default=True
    )
    _secret_names: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        for name in self.secret_field_names():
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                register_secret(value.get_secret_value())

    def secret_name(self, field: str) -> str | None:
        """The secret-store name ``field`` was read from (``{ secret = "NAME" }``), if any.

        A connector that receives a new value for such a field (a rotated OAuth2 refresh
        token) writes it back under this name.
        """
        return self._secret_names.get(field)

    def with_secret_names(self, names: dict[str, str]) -> ConnectionConfig:
        """Remember which secret each field was read from; returns ``self``."""
        self._secret_names = dict(names)
        return self

    @classmethod
    def secret_field_names(cls) -> list[str]:
        """Names of the fields declared as ``SecretStr`` (or optional ``SecretStr``)."""
        return [name for name, f in cls.model_fields.items() if _holds_secret(f.annotation)]

    def public_fields(self) -> dict[str, Any]:
        """The field values with every secret shown as ``***``."""
        secrets = set(self.secret_field_names())
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name in secrets and value is not None:
                out[name] = MASK
            else:
                out[name] = value
        return out


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_holds_secret(arg) for arg in typing.get_args(annotation))
    return False


_TRUE = ("true", "1", "yes", "on")


def sandbox_switch(data: Any) -> Any:
    """Settings with ``sandbox`` (a flag, or its text as in ``workbench.toml``) read as
    ``mode``, and ``sandbox`` kept in step with ``mode``: for a ``mode="before"`` validator
    of a connection that has a sandbox.

    Example:
        >>> sandbox_switch({"sandbox": "yes"}), sandbox_switch({"mode": "live"})
        ({'sandbox': True, 'mode': 'sandbox'}, {'mode': 'live', 'sandbox': False})
    """
    if not isinstance(data, typing.Mapping):
        return data
    data = dict(data)
    if "sandbox" in data:
        flag = data["sandbox"]
        on = flag is True or (isinstance(flag, str) and flag.lower() in _TRUE)
        data["mode"] = "sandbox" if on else "live"
    data["sandbox"] = data.get("mode") == "sandbox"
    return data
