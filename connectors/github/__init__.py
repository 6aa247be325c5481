"""GitHub connector: issues and pull requests from GitHub's official REST API spec."""

from workbench.connectors.github.config import GitHubConfig
from workbench.connectors.github.connector import GitHub, GitHubError

__all__ = ["GitHub", "GitHubConfig", "GitHubError"]
