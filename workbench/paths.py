"""Where Workbench keeps its files: the user config dir, the data dir, the project file.

The config and data folders are made private (0700, whatever the umask) when Workbench
creates them; the files holding runs, events and secrets in them are 0600 (see
:func:`private_file`).

Example:
    >>> import os, stat, tempfile
    >>> os.environ["WORKBENCH_DATA_DIR"] = tempfile.mkdtemp() + "/fresh"
    >>> oct(stat.S_IMODE(data_dir().stat().st_mode))
    '0o700'
    >>> del os.environ["WORKBENCH_DATA_DIR"]
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_NAME = "workbench.toml"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_made: set[str] = set()


def config_dir() -> Path:
    """The user's config folder (``WORKBENCH_CONFIG_DIR`` overrides the platform's)."""
    override = os.environ.get("WORKBENCH_CONFIG_DIR")
    if override:
        return _private_dir(Path(override))
    import platformdirs

    return _private_dir(Path(platformdirs.user_config_dir("workbench", appauthor=False)))


def data_dir() -> Path:
    """The user's data folder (``WORKBENCH_DATA_DIR`` overrides the platform's)."""
    override = os.environ.get("WORKBENCH_DATA_DIR")
    if override:
        return _private_dir(Path(override))
    import platformdirs

    return _private_dir(Path(platformdirs.user_data_dir("workbench", appauthor=False)))


def _private_dir(path: Path) -> Path:
    """``path``, made 0700 if it does not exist yet (once per process and path)."""
    key = str(path)
    if key not in _made:
        if not path.exists():
            with contextlib.suppress(OSError):  # unwritable: the caller's own use says so
                path.mkdir(parents=True, exist_ok=True)
                os.chmod(path, PRIVATE_DIR)  # mkdir's mode is cut by the umask
        _made.add(key)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist (a database file whose
    journal files then get the same mode); an existing file is left as it is."""
    with contextlib.suppress(OSError):  # there already, or unwritable: the caller finds out
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
        os.chmod(path, PRIVATE_FILE)
    return path


def user_file() -> Path:
    """The user's workbench.toml, merged under the project's."""
    return config_dir() / FILE_NAME


def project_file(start: Path | None = None) -> Path | None:
    """The nearest workbench.toml found by walking up from ``start`` (the working dir)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None
