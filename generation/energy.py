"""Energy the model's device uses: NVML's total energy counter on NVIDIA cards, else time x configured watts."""

from __future__ import annotations

from atelier.logs import get_logger

log = get_logger("generation.energy")


class EnergyMeter:
    """Reads the card's energy counter (millijoules since the driver loaded) when NVML can give it."""

    def __init__(self, device: str, watts: float) -> None:
        self.watts = watts
        self._handle = None
        self._nvml = None
        if device == "cuda":
            self._open_nvml()

    def _open_nvml(self) -> None:
        try:
            import pynvml
            import torch

            pynvml.nvmlInit()
            # By UUID: NVML numbers cards ignoring CUDA_VISIBLE_DEVICES, torch counts only the visible ones.
            uuid = torch.cuda.get_device_properties(torch.cuda.current_device()).uuid
            handle = pynvml.nvmlDeviceGetHandleByUUID(f"GPU-{uuid}")
            pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        except Exception as exc:  # no nvidia-ml-py, no driver, or a card before Volta
            log.warning("energy.estimated", reason=f"{type(exc).__name__}: {exc}")
            return
        self._nvml, self._handle = pynvml, handle

    @property
    def measured(self) -> bool:
        return self._handle is not None

    def read(self) -> float | None:
        """Joules since the driver loaded, or None when only an estimate is possible."""
        if self._handle is None:
            return None
        return self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle) / 1000.0

    def joules(self, seconds: float, before: float | None, after: float | None) -> tuple[float, bool]:
        """Energy over an interval, and whether it is an estimate."""
        if before is None or after is None:
            return seconds * self.watts, True
        return after - before, False
