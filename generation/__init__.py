"""Atelier's generation service: a local diffusers model behind an aiohttp API, every output C2PA-signed."""

import os

# transformers warns on import that torchvision is missing; Atelier deliberately runs without it.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
