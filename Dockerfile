# Atelier's generation service (and, later, the bot) in one CUDA-capable image.
# PyPI's Linux torch wheels carry their own CUDA runtime: run with `--gpus all` (NVIDIA Container Toolkit)
# to use the card, or without it on the CPU.
#
#   docker build -t atelier .
#   docker run --gpus all -p 8765:8765 -e ATELIER_SERVICE_TOKEN=change-me \
#       -v atelier-data:/data -v /path/to/checkpoints:/models:ro atelier --model /models/my-model
FROM python:3.11-slim

ARG TORCH_SPEC="torch==2.13.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    HF_HOME=/data/huggingface

RUN useradd --create-home --uid 10001 atelier
WORKDIR /app

# torch first, in its own layer: code changes don't download it again.
RUN pip install "$TORCH_SPEC"
COPY pyproject.toml README.md config.toml ./
COPY atelier ./atelier
COPY bot ./bot
COPY generation ./generation
COPY moderation ./moderation
# invisible-watermark without its declared dependencies (desktop OpenCV, any torch): see scripts/setup.
RUN pip install ".[nvidia]" \
 && pip install --no-deps invisible-watermark==0.2.0 \
 && mkdir -p /data /models \
 && chown atelier:atelier /data

USER atelier
VOLUME ["/data", "/models"]
# 8765: the generation service; 8766: the bot's mask page ([bot] web_port, served when [bot] public_url is set).
EXPOSE 8765 8766

# Listening on all interfaces requires ATELIER_SERVICE_TOKEN: the service refuses to start without it.
ENTRYPOINT ["python", "-m", "generation", "--config", "/app/config.toml", "--host", "0.0.0.0", "--data-dir", "/data"]
CMD []
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=4)"]
