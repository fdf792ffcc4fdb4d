"""Atelier's Discord bot (issue 3): talks to the generation service over HTTP only."""
