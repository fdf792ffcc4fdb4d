"""Prometheus metrics, on a registry of the service's own so several services can share a process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.queue_depth = Gauge("atelier_queue_depth", "Jobs waiting for the model", registry=self.registry)
        self.jobs = Counter(
            "atelier_jobs", "Jobs finished, by kind and outcome", ["kind", "outcome"], registry=self.registry
        )
        self.latency = Histogram(
            "atelier_job_seconds",
            "Time from submission to result, queueing included",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.images = Counter("atelier_images", "Signed images produced", ["kind"], registry=self.registry)
        self.gpu_seconds = Counter(
            "atelier_gpu_seconds",
            "Seconds the model's device spent on inference (the CPU when no GPU is used)",
            ["device"],
            registry=self.registry,
        )
        self.energy = Counter(
            "atelier_energy_joules",
            "Energy the model's device used on inference; estimated when NVML can't measure it",
            ["device", "estimated"],
            registry=self.registry,
        )
        self.batch_rows = Histogram(
            "atelier_batch_rows",
            "Rows in each denoising forward (two per image with guidance): how well members share the model",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
