"""Suite-wide settings: one torch thread (2-core machines thrash with more) and quiet logs."""

import torch

from atelier.logs import configure_logging

torch.set_num_threads(1)
configure_logging("warning")
