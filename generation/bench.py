"""``python -m generation.bench``: Atelier's service against plain diffusers, on the same model and requests.

The model is built from configs with random weights (the compute of a network depends on its shapes, not its
weights) and saved as an ordinary diffusers folder. The same requests then run four ways:

1. plain diffusers in this process, one call per request, one at a time;
2. plain diffusers, the requests batched ``--concurrency`` prompts per call;
3. Atelier's real service on loopback, one client sending the requests one after another;
4. the service with ``--concurrency`` clients sending at once.

It prints a table and, with ``--json FILE``, writes the figures (docs/benchmarks.md describes each one).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import torch
from aiohttp import web
from diffusers import (
    AutoencoderKL,
    AutoPipelineForText2Image,
    DiffusionPipeline,
    EulerDiscreteScheduler,
    StableDiffusionPipeline,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from diffusers.utils import logging as diffusers_logging
from torch.utils.flop_counter import FlopCounterMode
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection
from transformers.utils import logging as transformers_logging

from atelier.config import RANDOM_MODEL, Config
from atelier.logs import configure_logging
from generation.archs import ARCHITECTURES, Architecture
from generation.backends.builtin import builtin_model_dir, write_tokenizer_files
from generation.service import StartupError, build_service

PROGRAM = "bench"
BUILD_SEED = 0
TINY = "tiny"
TINY_SIZE = 64
TINY_STEPS = 4
DEFAULT_CONCURRENCY = 8
DEFAULT_REQUESTS = 32
DEFAULT_GUIDANCE = 7.0
# The service's own ceilings on images per request and on steps ([limits] max_count and max_steps).
MAX_COUNT = 16
MAX_STEPS = 100
SUBJECTS = [
    "a lighthouse on a cliff at dusk, oil painting",
    "a red fox in fresh snow, photograph",
    "a city street at night in the rain, neon signs",
    "a bowl of lemons on a wooden table, still life",
    "a sailing ship in a storm, ink drawing",
    "a mountain lake at sunrise, watercolour",
    "an astronaut reading in a library, digital art",
    "a cat asleep on a windowsill, soft light",
]
# Peak dense (not sparse) fp16 tensor throughput in FLOP/s, matched on the CUDA device name, most specific first.
PEAK_FP16_FLOPS = [
    (r"\bH100 PCIe\b", 756e12, "H100 PCIe, 756 TFLOP/s dense fp16"),
    (r"\bH[12]00\b", 989e12, "H100/H200 SXM, 989 TFLOP/s dense fp16"),
    (r"\bA100\b", 312e12, "A100, 312 TFLOP/s dense fp16"),
    (r"\bL4\b", 121e12, "L4, 121 TFLOP/s dense fp16"),
    (r"\bRTX 4090\b", 165e12, "RTX 4090, 165 TFLOP/s dense fp16 (fp32 accumulate)"),
]


class BenchError(Exception):
    """The benchmark can't go on; the message is the one line shown."""


@dataclass(frozen=True)
class Settings:
    arch: str
    device: str
    dtype: torch.dtype
    size: int
    steps: int
    guidance: float
    count: int


@dataclass(frozen=True)
class Request:
    prompt: str
    seed: int
    count: int

    @property
    def seeds(self) -> list[int]:
        # The service gives image i of a request the seed seed + i; the baseline must draw the same noise.
        return [self.seed + index for index in range(self.count)]


@dataclass
class Run:
    """One way of serving the requests: how many images came out, how long it took, what each wait was."""

    images: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    joules: float | None = None
    joules_estimated: bool | None = None

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds

    def latency(self, fraction: float) -> float:
        # Nearest rank: with 32 requests, p95 is the 31st slowest, an actual observed wait.
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# ---------------------------------------------------------------- arguments


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def image_side(text: str) -> int:
    value = int(text)
    if value < 64 or value > 2048 or value % 8:
        raise argparse.ArgumentTypeError(f"must be a multiple of 8 from 64 to 2048 (got {value})")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m generation.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=[TINY, *ARCHITECTURES], default=TINY, help="model architecture (tiny)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where the model runs (cpu)")
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        help=f"clients at once, and prompts per batched diffusers call ({DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--requests", type=positive_int, default=DEFAULT_REQUESTS, help=f"requests per run ({DEFAULT_REQUESTS})"
    )
    parser.add_argument("--steps", type=positive_int, help=f"denoising steps ({TINY_STEPS} for tiny, else 25)")
    parser.add_argument(
        "--size", type=image_side, help=f"image width and height ({TINY_SIZE} tiny, 512 sd15, 1024 sdxl)"
    )
    parser.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE, help=f"CFG scale ({DEFAULT_GUIDANCE})")
    parser.add_argument("--count", type=positive_int, default=1, help="images per request (1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps > MAX_STEPS:
        parser.error(f"--steps must be at most {MAX_STEPS}, the service's limit")
    if args.count > MAX_COUNT:
        parser.error(f"--count must be at most {MAX_COUNT}, the service's limit")
    if not 0 <= args.guidance <= 30:
        parser.error("--guidance must be between 0 and 30, the service's limit")
    # Checked now rather than found out after minutes of measuring.
    if args.json is not None and not args.json.parent.is_dir():
        parser.error(f"--json: no folder {args.json.parent}")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    arch = ARCHITECTURES.get(args.arch)
    default_size, default_steps = (TINY_SIZE, TINY_STEPS) if arch is None else (arch.default_size, arch.default_steps)
    return Settings(
        arch=args.arch,
        device=args.device,
        # fp16 on CUDA: the precision diffusers is usually served in, and the one the anchors were measured in.
        dtype=torch.float16 if args.device == "cuda" else torch.float32,
        size=args.size or default_size,
        steps=args.steps or default_steps,
        guidance=args.guidance,
        count=args.count,
    )


def make_requests(number: int, count: int) -> list[Request]:
    # Distinct prompts, and seeds far enough apart that no two images of any request share one.
    return [
        Request(prompt=f"{SUBJECTS[index % len(SUBJECTS)]}, variation {index}", seed=index * count, count=count)
        for index in range(number)
    ]


# ---------------------------------------------------------------- the model


def build_pipeline(arch: Architecture, work_dir: Path) -> DiffusionPipeline:
    """``arch`` with random weights drawn from a fixed seed, in fp32 on the CPU, so every run builds the same model."""
    tokenizer = write_tokenizer_files(work_dir / "tokenizer")
    # The byte-level tokenizer only produces small ids, but the text encoders must know its special tokens.
    token_ids = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(BUILD_SEED)
        unet = UNet2DConditionModel(**arch.unet)
        vae = AutoencoderKL(**arch.vae)
        text_encoder = CLIPTextModel(CLIPTextConfig(**arch.text_encoder, **token_ids))
        text_encoder_2 = (
            None
            if arch.text_encoder_2 is None
            else CLIPTextModelWithProjection(CLIPTextConfig(**arch.text_encoder_2, **token_ids))
        )
    scheduler = EulerDiscreteScheduler(**arch.scheduler)
    if text_encoder_2 is None:
        return StableDiffusionPipeline(
            vae=vae,
            text_encoder=text_encoder,
            tokenizer=tokenizer,
            unet=unet,
            scheduler=scheduler,
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    return StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=scheduler,
        add_watermarker=False,
    )


def prepare_model(settings: Settings, work_dir: Path) -> tuple[Path, dict]:
    """The diffusers folder both sides load, and the [model] settings that point the service at it."""
    if settings.arch == TINY:
        cache_dir = work_dir / "models"
        return builtin_model_dir(cache_dir), {"path": RANDOM_MODEL, "cache_dir": str(cache_dir)}
    folder = work_dir / settings.arch
    pipeline = build_pipeline(ARCHITECTURES[settings.arch], work_dir)
    # Saved in the precision it will run in: half the disk and load time on CUDA, the same weights once loaded.
    pipeline.to(settings.dtype).save_pretrained(folder)
    del pipeline
    release_memory(settings.device)
    return folder, {"path": str(folder)}


def release_memory(device: str) -> None:
    """Give back the memory of models no longer referenced, to the system and to CUDA's cache."""
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def load_pipeline(folder: Path, settings: Settings) -> DiffusionPipeline:
    # Loaded the way the service loads it, so both sides run the very same pipeline class and weights.
    pipeline = AutoPipelineForText2Image.from_pretrained(folder, torch_dtype=settings.dtype, local_files_only=True)
    pipeline.to(settings.device)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


# ---------------------------------------------------------------- FLOPs and the device


def count_flops(run: Callable[[], object]) -> int:
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


def flops_per_image(folder: Path, settings: Settings) -> int:
    """One image's FLOPs: ``steps`` UNet forwards (two rows with guidance) plus one VAE decode.

    Counted on the meta device: the shapes alone give the count, in a second and without memory or a GPU.
    """
    unet_config = UNet2DConditionModel.load_config(folder, subfolder="unet")
    vae_config = AutoencoderKL.load_config(folder, subfolder="vae")
    with torch.device("meta"):
        unet = UNet2DConditionModel.from_config(unet_config)
        vae = AutoencoderKL.from_config(vae_config)
    # diffusers runs classifier-free guidance (a second, unconditional row) whenever guidance is above 1.
    rows = 2 if settings.guidance > 1 else 1
    latent_side = settings.size // 8
    latents = torch.empty(rows, unet.config.in_channels, latent_side, latent_side, device="meta")
    text = torch.empty(rows, 77, unet.config.cross_attention_dim, device="meta")
    timesteps = torch.empty(rows, dtype=torch.long, device="meta")
    extra = {}
    if unet.config.addition_embed_type == "text_time":
        # SDXL's pooled text embedding and its six size and crop conditions.
        time_ids_width = 6 * unet.config.addition_time_embed_dim
        pooled_width = unet.config.projection_class_embeddings_input_dim - time_ids_width
        extra["added_cond_kwargs"] = {
            "text_embeds": torch.empty(rows, pooled_width, device="meta"),
            "time_ids": torch.empty(rows, 6, device="meta"),
        }
    decoded = torch.empty(1, vae.config.latent_channels, latent_side, latent_side, device="meta")
    with torch.inference_mode():
        unet_flops = count_flops(lambda: unet(latents, timesteps, encoder_hidden_states=text, **extra))
        vae_flops = count_flops(lambda: vae.decode(decoded))
    return unet_flops * settings.steps + vae_flops


def device_description(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name()
    model = "unknown model"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        if found:
            model = found.group(1).strip()
    return f"cpu: {model} ({os.cpu_count()} cores)"


def peak_flops(device: str, description: str) -> tuple[float | None, str | None]:
    if device != "cuda":
        return None, None
    for pattern, flops, label in PEAK_FP16_FLOPS:
        if re.search(pattern, description):
            return flops, label
    return None, None


def synchronize(device: str) -> None:
    # CUDA calls return before the GPU finishes; read clocks only once it has.
    if device == "cuda":
        torch.cuda.synchronize()


def nvml_energy_meter(device: str) -> tuple[Callable[[], float] | None, str]:
    """A reader of the GPU's energy counter in joules, or None and why there is none."""
    if device != "cuda":
        return None, "no energy counter on the CPU"
    try:
        import pynvml
    except ImportError:
        return None, "nvidia-ml-py is not installed"
    try:
        pynvml.nvmlInit()
        # NVML numbers GPUs its own way; the UUID names the very device torch is using.
        uuid = torch.cuda.get_device_properties(torch.cuda.current_device()).uuid
        handle = pynvml.nvmlDeviceGetHandleByUUID(f"GPU-{uuid}".encode())
        pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
    except pynvml.NVMLError as exc:
        return None, f"NVML gives no energy reading: {exc}"
    return (lambda: pynvml.nvmlDeviceGetTotalEnergyConsumption(handle) / 1000), "NVML"


# ---------------------------------------------------------------- plain diffusers


def generate(pipeline: DiffusionPipeline, batch: list[Request], settings: Settings) -> int:
    """One diffusers call for the whole batch; returns the number of images."""
    # CPU generators, as the service uses: a seed then gives the same starting noise on every device.
    generators = [torch.Generator("cpu").manual_seed(seed) for request in batch for seed in request.seeds]
    with torch.inference_mode():
        images = pipeline(
            prompt=[request.prompt for request in batch],
            num_images_per_prompt=settings.count,
            num_inference_steps=settings.steps,
            guidance_scale=settings.guidance,
            width=settings.size,
            height=settings.size,
            generator=generators,
            output_type="pil",
        ).images
    synchronize(settings.device)
    return len(images)


def run_batches(
    pipeline: DiffusionPipeline,
    batches: list[list[Request]],
    settings: Settings,
    read_energy: Callable[[], float] | None = None,
) -> Run:
    # The first call at a batch size pays for allocations and kernel choices that later calls don't.
    generate(pipeline, batches[0], settings)
    run = Run()
    joules_before = read_energy() if read_energy else 0.0
    started = time.perf_counter()
    for batch in batches:
        call_started = time.perf_counter()
        run.images += generate(pipeline, batch, settings)
        run.latencies.append(time.perf_counter() - call_started)
    run.seconds = time.perf_counter() - started
    if read_energy:
        run.joules = read_energy() - joules_before
        run.joules_estimated = False
    return run


def run_baseline(
    pipeline: DiffusionPipeline, requests: list[Request], settings: Settings, batch_size: int
) -> tuple[Run, Run, str]:
    """Plain diffusers: one request per call, then ``batch_size`` requests per call; and where the one-at-a-time
    energy figure comes from (or why there is none)."""
    read_energy, energy_source = nvml_energy_meter(settings.device)
    one_at_a_time = run_batches(pipeline, [[request] for request in requests], settings, read_energy)
    batches = [requests[start : start + batch_size] for start in range(0, len(requests), batch_size)]
    batched = run_batches(pipeline, batches, settings)
    return one_at_a_time, batched, energy_source


# ---------------------------------------------------------------- Atelier's service


def service_config(model: dict, settings: Settings, concurrency: int, data_dir: Path) -> Config:
    on_cpu = settings.device == "cpu"
    return Config().with_overrides(
        service={"data_dir": str(data_dir), "host": "127.0.0.1", "port": 0, "max_queue": max(concurrency, 64)},
        model={
            **model,
            "device": settings.device,
            "dtype": "float32" if on_cpu else "float16",
            # One torch thread on the CPU, as the baseline uses: the other cores serve HTTP, PNG and signing.
            "threads": 1 if on_cpu else 0,
        },
        defaults={
            "width": settings.size,
            "height": settings.size,
            "steps": settings.steps,
            "guidance": settings.guidance,
        },
        limits={"max_count": MAX_COUNT},
    )


async def post_generate(http: aiohttp.ClientSession, request: Request, settings: Settings) -> dict:
    payload = {
        "prompt": request.prompt,
        "seed": request.seed,
        "steps": settings.steps,
        "guidance": settings.guidance,
        "width": settings.size,
        "height": settings.size,
        "count": request.count,
    }
    async with http.post("/v1/generate", json=payload) as response:
        body = await response.json(content_type=None)
    if response.status != 200:
        raise BenchError(f"the service answered {response.status}: {body['error']['message']}")
    return body


async def drive_clients(http: aiohttp.ClientSession, requests: list[Request], settings: Settings, clients: int) -> Run:
    """``clients`` clients, each sending the next request as soon as its previous one is answered."""
    pending = iter(requests)
    run = Run()
    usages: list[dict | None] = []

    async def client() -> None:
        for request in pending:
            started = time.perf_counter()
            body = await post_generate(http, request, settings)
            run.latencies.append(time.perf_counter() - started)
            run.images += len(body["images"])
            usages.append(body.get("usage"))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    run.seconds = time.perf_counter() - started
    # Energy only when the service reported it for every request: a partial sum would flatter it.
    if all(usage is not None for usage in usages):
        run.joules = sum(usage["joules"] for usage in usages)
        run.joules_estimated = any(usage["estimated"] for usage in usages)
    return run


async def run_service(config: Config, requests: list[Request], settings: Settings, concurrency: int) -> tuple[Run, Run]:
    """The real service on loopback, driven over HTTP by one client, then by ``concurrency`` clients."""
    app = build_service(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    # No client-side limits: a queue in the client would hide the service's own queueing from the latencies.
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None)
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector, timeout=timeout) as http:
            await post_generate(http, Request(prompt="warm-up", seed=0, count=settings.count), settings)
            one_client = await drive_clients(http, requests, settings, clients=1)
            many_clients = await drive_clients(http, requests, settings, clients=concurrency)
    finally:
        await runner.cleanup()
    return one_client, many_clients


# ---------------------------------------------------------------- figures


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if numerator is None or not denominator else numerator / denominator


def figures_of(
    args: argparse.Namespace,
    settings: Settings,
    runs: dict[str, Run],
    flops: int,
    energy_source: str,
) -> dict:
    baseline, batched = runs["baseline"], runs["baseline_batched"]
    one_client, service = runs["one_client"], runs["service"]
    description = device_description(settings.device)
    peak, peak_label = peak_flops(settings.device, description)
    return {
        "arguments": {
            "arch": settings.arch,
            "device": settings.device,
            "dtype": str(settings.dtype).removeprefix("torch."),
            "concurrency": args.concurrency,
            "requests": args.requests,
            "steps": settings.steps,
            "size": settings.size,
            "guidance": settings.guidance,
            "count": settings.count,
        },
        "device": description,
        "baseline_img_per_s": baseline.images_per_second,
        "baseline_p50_s": baseline.latency(0.5),
        "baseline_batched_img_per_s": batched.images_per_second,
        "service_img_per_s": service.images_per_second,
        "p50_s": service.latency(0.5),
        "p95_s": service.latency(0.95),
        "service_one_client_img_per_s": one_client.images_per_second,
        "one_client_p50_s": one_client.latency(0.5),
        "ratio": service.images_per_second / baseline.images_per_second,
        "ratio_batched": service.images_per_second / batched.images_per_second,
        "scaling": service.images_per_second / one_client.images_per_second,
        "flops_per_image": flops,
        "peak_flops": peak,
        "peak_label": peak_label,
        "peak_fraction": ratio(flops * service.images_per_second, peak),
        "joules_per_image": ratio(service.joules, service.images),
        "joules_estimated": service.joules_estimated,
        "baseline_joules_per_image": ratio(baseline.joules, baseline.images),
        "baseline_joules_source": energy_source,
    }


def print_report(figures: dict, runs: dict[str, Run]) -> None:
    used = figures["arguments"]
    concurrency = used["concurrency"]
    print(
        f"{used['arch']} on {figures['device']} ({used['dtype']}): {used['size']}x{used['size']}, "
        f"{used['steps']} steps, guidance {used['guidance']}, {used['count']} image(s) per request, "
        f"{used['requests']} requests per run"
    )
    rows = [
        ("diffusers, one request per call", runs["baseline"]),
        (f"diffusers, {concurrency} requests per call", runs["baseline_batched"]),
        ("Atelier service, 1 client", runs["one_client"]),
        (f"Atelier service, {concurrency} clients", runs["service"]),
    ]
    print(f"{'run':<40}{'images/s':>10}{'p50 s':>9}{'p95 s':>9}")
    for name, run in rows:
        print(f"{name:<40}{run.images_per_second:>10.2f}{run.latency(0.5):>9.3f}{run.latency(0.95):>9.3f}")
    print("(latency is per request; for batched diffusers, per call)")
    print(
        f"ratio {figures['ratio']:.2f} (service at {concurrency} clients / diffusers one at a time), "
        f"ratio_batched {figures['ratio_batched']:.2f}, scaling {figures['scaling']:.2f} ({concurrency} clients / 1)"
    )
    compute = f"compute: {figures['flops_per_image'] / 1e12:.3g} TFLOP per image"
    if figures["peak_fraction"] is None:
        print(f"{compute}; peak fraction: n/a (no peak figure for this device)")
    else:
        print(f"{compute}; {figures['peak_fraction']:.1%} of peak ({figures['peak_label']})")
    print(f"energy: service {joules_text(figures['joules_per_image'], figures['joules_estimated'])}; ", end="")
    baseline_energy = joules_text(figures["baseline_joules_per_image"], False)
    print(f"diffusers one at a time {baseline_energy} ({figures['baseline_joules_source']})")


def joules_text(joules: float | None, estimated: bool | None) -> str:
    if joules is None:
        return "n/a"
    return f"{joules:.1f} J per image{' (estimated)' if estimated else ''}"


# ---------------------------------------------------------------- the run


async def run_bench(args: argparse.Namespace) -> dict:
    settings = settings_from(args)
    if settings.device == "cpu":
        torch.set_num_threads(1)
    requests = make_requests(args.requests, settings.count)
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as scratch:
        work_dir = Path(scratch)
        folder, model = prepare_model(settings, work_dir)
        flops = flops_per_image(folder, settings)
        pipeline = load_pipeline(folder, settings)
        baseline, batched, energy_source = run_baseline(pipeline, requests, settings, args.concurrency)
        # The service loads its own copy of the model: release this one first so memory is not doubled.
        del pipeline
        release_memory(settings.device)
        config = service_config(model, settings, args.concurrency, work_dir / "data")
        one_client, service = await run_service(config, requests, settings, args.concurrency)
    runs = {"baseline": baseline, "baseline_batched": batched, "one_client": one_client, "service": service}
    figures = figures_of(args, settings, runs, flops, energy_source)
    print_report(figures, runs)
    return figures


def one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if isinstance(exc, BenchError | StartupError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"{PROGRAM}: --device cuda, but no CUDA device is available", file=sys.stderr)
        return 2
    # Only errors: the service's notices (its development signing CA, say) and the libraries' deprecation
    # notices about configs and arguments are not benchmark results.
    configure_logging("error")
    warnings.filterwarnings("ignore", category=FutureWarning)
    for library_logging in (diffusers_logging, transformers_logging):
        library_logging.set_verbosity_error()
        library_logging.disable_progress_bar()
    try:
        figures = asyncio.run(run_bench(args))
        if args.json is not None:
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    except Exception as exc:
        # A benchmark that fails says why in one line, as every Atelier command does.
        print(f"{PROGRAM}: {one_line(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
