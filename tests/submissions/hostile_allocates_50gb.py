"""Hostile: asks for 50 GB while being loaded."""

import torch

buffer = torch.empty(50 * 1024**3, dtype=torch.uint8)
