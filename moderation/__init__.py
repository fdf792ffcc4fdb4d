"""Atelier's moderation engine (issue 4): a pure rule library, no Discord and no HTTP inside."""
