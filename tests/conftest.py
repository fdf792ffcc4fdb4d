"""Suite-wide settings (one torch thread: 2-core machines thrash with more; quiet logs) and a real
generation service on loopback around the built-in model, one per test, sharing one loaded model."""

from __future__ import annotations

import contextlib
import string
from pathlib import Path

import pytest
import torch
from aiohttp.test_utils import TestClient, TestServer
from diffusers import (
    AutoencoderKL,
    FlowMatchEulerDiscreteScheduler,
    FluxKontextPipeline,
    FluxTransformer2DModel,
    StableDiffusionInstructPix2PixPipeline,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from diffusers.utils import convert_state_dict_to_diffusers
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    CLIPSegConfig,
    CLIPSegForImageSegmentation,
    CLIPSegProcessor,
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTokenizer,
    PreTrainedTokenizerFast,
    T5Config,
    T5EncoderModel,
    ViTImageProcessor,
)

from atelier.config import BUILTIN_MODEL, RANDOM_MODEL, Config, ModelConfig
from atelier.logs import configure_logging
from generation.api.app import create_app
from generation.backends.builtin import END_TOKEN, START_TOKEN, write_tokenizer_files
from generation.backends.loader import LoadedModel, load_model
from generation.builtin import WEIGHTS
from generation.service import load_provenance, load_segmenter, make_backend

torch.set_num_threads(1)
configure_logging("warning")

SMALL = {"width": 64, "height": 64, "steps": 4, "guidance": 7.0, "strength": 0.6}


@pytest.fixture(autouse=True)
def quiet_logs():
    # Command-line entry points point the logs at the stderr that capsys swaps in and then closes.
    yield
    configure_logging("warning")


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    cache = tmp_path_factory.mktemp("model-cache")
    return load_model(ModelConfig(path=RANDOM_MODEL, cache_dir=str(cache), device="cpu"), cache)


def service_config(data_dir: Path, **sections: dict) -> Config:
    model = {"path": RANDOM_MODEL, "device": "cpu", **sections.pop("model", {})}
    sections = {"defaults": SMALL, "model": model, **sections}
    service = {"data_dir": str(data_dir), **sections.pop("service", {})}
    return Config().with_overrides(service=service, **sections)


@contextlib.asynccontextmanager
async def serve(loaded: LoadedModel, data_dir: Path, **sections):
    """A fresh app around an already-loaded model, with the defaults the model declares, as the service runs."""
    config = service_config(data_dir, **sections)
    config.service.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(config, make_backend(config, loaded), load_provenance(config), load_segmenter(config))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.fixture
def start_service(model: LoadedModel, tmp_path: Path):
    """``async with start_service(**sections) as client``: a fresh app on the test's data dir."""
    return lambda **sections: serve(model, tmp_path / "data", **sections)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """The built-in model with its committed weights (builtin:tiny), loaded once."""
    return load_model(ModelConfig(path=BUILTIN_MODEL, device="cpu"), tmp_path_factory.mktemp("unused-cache"))


@pytest.fixture
async def trained_client(trained_model: LoadedModel, tmp_path: Path):
    async with serve(trained_model, tmp_path / "data") as client:
        yield client


@pytest.fixture
async def client(start_service):
    async with start_service() as client:
        yield client


def save_lora(unet: UNet2DConditionModel, folder: Path, name: str) -> None:
    """A LoRA for ``unet`` built with peft, as diffusers' own tests do; random (not zero) up-projections, so that
    it visibly changes what the UNet draws."""
    config = LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_k", "to_v", "to_out.0"], init_lora_weights=False)
    unet.add_adapter(config)
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    StableDiffusionPipeline.save_lora_weights(folder, unet_lora_layers=layers, weight_name=f"{name}.safetensors")


@pytest.fixture(scope="session")
def lora_folder(tmp_path_factory: pytest.TempPathFactory, model: LoadedModel) -> Path:
    """A [loras] folder: "glow" for the random model, "shapes-only" for the trained one's larger UNet."""
    folder = tmp_path_factory.mktemp("loras")
    save_lora(UNet2DConditionModel.from_pretrained(Path(model.pipeline.unet.config._name_or_path)), folder, "glow")
    save_lora(UNet2DConditionModel.from_pretrained(WEIGHTS, subfolder="unet"), folder, "shapes-only")
    return folder


@pytest.fixture(scope="session")
def instruct_folder(tmp_path_factory: pytest.TempPathFactory, model: LoadedModel) -> Path:
    """An InstructPix2Pix folder with random weights, from the random model's parts: its UNet takes 8 channels."""
    source = model.pipeline
    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_config({**source.unet.config, "in_channels": 8})
    folder = tmp_path_factory.mktemp("instruct")
    StableDiffusionInstructPix2PixPipeline(
        vae=source.vae,
        text_encoder=source.text_encoder,
        tokenizer=source.tokenizer,
        unet=unet,
        scheduler=source.scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    ).save_pretrained(folder)
    return folder


def byte_tokenizer(folder: Path) -> tuple[CLIPTokenizer, dict[str, int], dict[str, int]]:
    """The built-in model's byte-level CLIP tokenizer, its vocabulary, and the special token ids a text config
    built on it needs."""
    tokenizer = write_tokenizer_files(folder)
    vocab = tokenizer.get_vocab()
    ends = {"bos_token_id": vocab[START_TOKEN], "eos_token_id": vocab[END_TOKEN], "pad_token_id": vocab[END_TOKEN]}
    return tokenizer, vocab, ends


@pytest.fixture(scope="session")
def segmentation_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny CLIPSeg folders built from configs, whose last layer is set so that what they are asked for is found
    "everywhere" (the whole picture) or "nowhere"."""
    tokenizer, vocab, ends = byte_tokenizer(tmp_path_factory.mktemp("clipseg-tokenizer"))
    small = {"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4}
    config = CLIPSegConfig(
        text_config={"vocab_size": len(vocab), "num_hidden_layers": 2, "max_position_embeddings": 77, **small, **ends},
        vision_config={"num_hidden_layers": 3, "image_size": 32, "patch_size": 8, **small},
        projection_dim=32,
        reduce_dim=16,
        extract_layers=[0, 1, 2],
        decoder_num_attention_heads=2,
        decoder_intermediate_size=32,
    )
    processor = CLIPSegProcessor(
        image_processor=ViTImageProcessor(size={"height": 32, "width": 32}), tokenizer=tokenizer
    )
    folders = {}
    for name, bias in (("everywhere", 20.0), ("nowhere", -20.0)):
        torch.manual_seed(0)
        model = CLIPSegForImageSegmentation(config)
        last = model.decoder.transposed_convolution
        torch.nn.init.zeros_(last.weight)
        torch.nn.init.constant_(last.bias, bias)
        folders[name] = tmp_path_factory.mktemp(f"clipseg-{name}")
        model.save_pretrained(folders[name])
        processor.save_pretrained(folders[name])
    return folders


@pytest.fixture
def lora_dir(lora_folder: Path, model: LoadedModel):
    """The [loras] folder for one test; the LoRAs it loaded into the shared model are taken out after it."""
    yield lora_folder
    model.pipeline.unload_lora_weights()


@pytest.fixture(scope="session")
def kontext_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A FLUX.1 Kontext folder with random weights built from configs (a tiny transformer, CLIP and T5, as
    diffusers' own tests build them), with a T5 tokenizer over single letters so nothing is downloaded."""
    torch.manual_seed(0)
    clip_tokenizer, vocab, ends = byte_tokenizer(tmp_path_factory.mktemp("kontext-clip"))
    text_encoder = CLIPTextModel(CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=37,
                                                num_attention_heads=4, num_hidden_layers=2, max_position_embeddings=77,
                                                projection_dim=32, **ends))  # fmt: skip
    letters = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{letter: 3 + i for i, letter in enumerate(string.ascii_lowercase)}}
    t5_words = Tokenizer(models.WordLevel(letters, unk_token="<unk>"))
    t5_words.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    t5_tokenizer = PreTrainedTokenizerFast(tokenizer_object=t5_words, pad_token="<pad>", eos_token="</s>",
                                           unk_token="<unk>", model_max_length=512)  # fmt: skip
    t5 = T5EncoderModel(
        T5Config(
            vocab_size=len(letters),
            d_model=32,
            d_kv=8,
            d_ff=37,
            num_layers=2,
            num_heads=4,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    )
    pipeline = FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=AutoencoderKL(
            sample_size=32,
            block_out_channels=(4,),
            layers_per_block=1,
            latent_channels=1,
            norm_num_groups=1,
            use_quant_conv=False,
            use_post_quant_conv=False,
            shift_factor=0.0609,
            scaling_factor=1.5035,
        ),
        text_encoder=text_encoder,
        tokenizer=clip_tokenizer,
        text_encoder_2=t5,
        tokenizer_2=t5_tokenizer,
        transformer=FluxTransformer2DModel(
            patch_size=1,
            in_channels=4,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,
            pooled_projection_dim=32,
            axes_dims_rope=[4, 4, 8],
        ),
    )
    folder = tmp_path_factory.mktemp("kontext")
    pipeline.save_pretrained(folder)
    return folder
