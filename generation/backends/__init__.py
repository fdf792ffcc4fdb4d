"""Model backends. Each implements ``generation.jobs.backend.Backend`` (declared beside the jobs it runs, so the
queue and worker never import a backend); ``diffusers.py`` is the one for Stable Diffusion checkpoints."""
