"""Where a spec's remote ``$ref``s may be fetched from.

A reference is fetched over http(s) only from the spec's own origin (scheme, host and
port of the URL it was read from), or from an origin listed in workbench.toml::

    [openapi]
    allowed_ref_origins = ["https://schemas.example.com"]

The project's file and the user's file both count. A spec read from a local file has no
origin of its own, so each URL it refers to must be listed. A redirect is checked like
the reference itself, and a remote spec never reads local files.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from workbench import paths
from workbench.errors import ConfigError, SpecError

SETTING = "[openapi] allowed_ref_origins"


def origin(uri: str) -> str | None:
    """The origin of an http(s) URL (``scheme://host[:port]``, lower case), else None.

    Example:
        >>> origin("HTTPS://Schemas.Example.com:443/pets.json#/Pet")
        'https://schemas.example.com'
        >>> origin("http://127.0.0.1:8080/a"), origin("file:///specs/a.json")
        ('http://127.0.0.1:8080', None)
    """
    try:
        parts = urlsplit(uri)
        scheme, hostname, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:  # a malformed host or port
        return None
    if scheme not in ("http", "https") or not hostname:
        return None
    host = hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def configured_origins(start: Path | None = None) -> frozenset[str]:
    """The origins ``[openapi] allowed_ref_origins`` lists in the project's and the user's
    workbench.toml; a malformed setting is a :class:`~workbench.errors.ConfigError`."""
    found: set[str] = set()
    for path in (paths.project_file(start), paths.user_file()):
        if path is not None and path.is_file():
            found.update(_origins_in(path))
    return frozenset(found)


def _origins_in(path: Path) -> list[str]:
    from workbench.config.entries import read_table

    table = read_table(path, "openapi")
    listed = table.get("allowed_ref_origins", [])
    where = f"{path}: {SETTING}"
    if not isinstance(listed, list):
        raise ConfigError(f"{where}: expected a list of origins such as ['https://example.com']")
    found = []
    for item in listed:
        known = origin(item) if isinstance(item, str) else None
        if known is None or _path(item) not in ("", "/"):
            raise ConfigError(
                f"{where}: expected an origin such as 'https://schemas.example.com', got {item!r}"
            )
        found.append(known)
    return found


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return "?"


class OriginCheck:
    """Decides whether a URL may be fetched for the spec at ``base`` (``source`` names it).

    ``allowed`` lists origins besides the spec's own; None reads them from workbench.toml
    the first time another origin is asked for.

    Example:
        >>> check = OriginCheck("https://api.example.com/openapi.json", "api", allowed=())
        >>> check("https://api.example.com/schemas/pet.json")
        >>> check("https://elsewhere.example.com/pet.json")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: api: https://elsewhere.example.com is not the spec's origin (https://api.example.com); list it in [openapi] allowed_ref_origins of workbench.toml to fetch from it
    """  # noqa: E501

    def __init__(
        self, base: str, source: str, *, allowed: frozenset[str] | tuple[str, ...] | None = None
    ) -> None:
        self.base = base
        self.source = source
        self.own = origin(base)
        self._allowed = None if allowed is None else frozenset(allowed)

    @property
    def allowed(self) -> frozenset[str]:
        """The origins allowed besides the spec's own."""
        if self._allowed is None:
            self._allowed = configured_origins()
        return self._allowed

    def __call__(self, uri: str) -> None:
        """Raise :class:`SpecError` unless ``uri`` may be fetched."""
        if uri.lower().startswith("file:"):
            if self.own is not None:
                raise SpecError(
                    f"cannot read {uri!r}: a remote document may not read local files",
                    source=self.source,
                )
            return
        wanted = origin(uri)
        if wanted is None or wanted == self.own or wanted in self.allowed:
            return
        own = self.own or "none: it is a local file"
        raise SpecError(
            f"{wanted} is not the spec's origin ({own}); list it in {SETTING} of "
            "workbench.toml to fetch from it",
            source=self.source,
        )
