"""ucop: turn a brief and your own sources into a publish-ready technical article."""

__version__ = "0.1.0"
