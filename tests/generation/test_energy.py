"""Energy per job: NVML's counter on NVIDIA cards, an estimate from time x watts elsewhere."""

from __future__ import annotations

import sys
import types

import torch

from generation.energy import EnergyMeter


def test_without_a_card_energy_is_time_times_the_configured_watts():
    meter = EnergyMeter("cpu", watts=65.0)
    assert not meter.measured
    assert meter.joules(2.0, meter.read(), meter.read()) == (130.0, True)


def fake_nvml(readings: list[int]) -> types.ModuleType:
    module = types.ModuleType("pynvml")
    module.nvmlInit = lambda: None
    module.nvmlDeviceGetHandleByUUID = lambda uuid: ("card", uuid)
    module.nvmlDeviceGetTotalEnergyConsumption = lambda handle: readings.pop(0)
    return module


def test_on_an_nvidia_card_energy_is_read_from_nvml(monkeypatch):
    # Millijoules since the driver loaded: one reading at start-up, then one before and one after a step.
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml([1_000, 5_000_000, 5_450_000]))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: types.SimpleNamespace(uuid="1234"))
    meter = EnergyMeter("cuda", watts=300.0)
    assert meter.measured
    assert meter._handle == ("card", "GPU-1234")
    before, after = meter.read(), meter.read()
    assert meter.joules(1.0, before, after) == (450.0, False)


def test_a_card_nvml_cannot_read_falls_back_to_the_estimate(monkeypatch):
    broken = fake_nvml([])
    monkeypatch.setitem(sys.modules, "pynvml", broken)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index: types.SimpleNamespace(uuid="1234"))
    meter = EnergyMeter("cuda", watts=300.0)
    assert not meter.measured
    assert meter.joules(0.5, meter.read(), meter.read()) == (150.0, True)
