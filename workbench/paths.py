"""Where Workbench keeps its files: the user config dir, the data dir, the project file."""

from __future__ import annotations

import os
from pathlib import Path

FILE_NAME = "workbench.toml"


def config_dir() -> Path:
    """The user's config folder (``WORKBENCH_CONFIG_DIR`` overrides the platform's)."""
    override = os.environ.get("WORKBENCH_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("workbench", appauthor=False))


def data_dir() -> Path:
    """The user's data folder (``WORKBENCH_DATA_DIR`` overrides the platform's)."""
    override = os.environ.get("WORKBENCH_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("workbench", appauthor=False))


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
