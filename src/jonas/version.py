"""jonas's version: every output records it."""

__version__ = "0.1.0"
