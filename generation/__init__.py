"""Atelier's generation service: a local diffusers model behind an aiohttp API, every output C2PA-signed."""
