"""Shared foundations of Atelier: the typed configuration and structured logging."""

__version__ = "0.1.0"
