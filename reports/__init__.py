"""The project's reports for the offline preview (declared in pyproject.toml under [tool.offline.reports])."""
