"""The package version, in one place (the CLI, the Summary and the add-in read it)."""

__version__ = "0.1.0"
