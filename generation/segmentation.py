"""Masks from words: "the cat" in a picture, with CLIPSeg (transformers) from the operator's local folder
(``[model] segmentation_path``). The bot asks for a mask, then sends it with the edit like any other."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from generation.backends.loader import ModelLoadError

# A pixel belongs to the thing when CLIPSeg's probability reaches this.
THRESHOLD = 0.4
# Less than this share of the picture is not a thing that was found.
LEAST_SHARE = 0.005


class Segmenter:
    def __init__(self, folder: Path, device: str) -> None:
        from transformers import CLIPSegForImageSegmentation, CLIPSegProcessor

        if not folder.is_dir():
            raise ModelLoadError(f"[model] segmentation_path is not a folder: {folder}")
        try:
            self.processor = CLIPSegProcessor.from_pretrained(folder, local_files_only=True)
            self.model = CLIPSegForImageSegmentation.from_pretrained(folder, local_files_only=True).to(device).eval()
        except (OSError, ValueError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"[model] segmentation_path is not a CLIPSeg folder: {folder}: {first_line}") from None
        self.device = device
        # One picture at a time: requests come from members' turns, seldom together.
        self._lock = threading.Lock()

    @torch.inference_mode()
    def probabilities(self, picture: Image.Image, text: str) -> np.ndarray:
        """Per pixel of ``picture``, how likely it belongs to ``text`` (0 to 1)."""
        inputs = self.processor(text=[text], images=[picture.convert("RGB")], padding=True, return_tensors="pt")
        with self._lock:
            logits = self.model(**inputs.to(self.device)).logits
        logits = logits.reshape(1, 1, *logits.shape[-2:]).float()
        scaled = torch.nn.functional.interpolate(logits, size=(picture.height, picture.width), mode="bilinear")
        return torch.sigmoid(scaled)[0, 0].cpu().numpy()

    def mask(self, picture: Image.Image, text: str) -> Image.Image | None:
        """White where ``text`` is in the picture, black elsewhere; None when it isn't found."""
        return mask_from(self.probabilities(picture, text))


def mask_from(probabilities: np.ndarray) -> Image.Image | None:
    found = probabilities >= THRESHOLD
    if found.mean() < LEAST_SHARE:
        return None
    return Image.fromarray(np.where(found, 255, 0).astype(np.uint8), "L")
