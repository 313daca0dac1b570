"""Which spec tests run where: the tiers, why the GPU tier cannot run on this machine, and the
CUDA/CPU agreement tolerances that the spec applies and `tools/gpu_report.py` prints.

Standard library only at import: the report reads the tolerances on any machine.
"""

from __future__ import annotations

TIERS = {"cpu": "everything but gpu and benchmark tests (the default)", "gpu": "only gpu and benchmark tests",
         "all": "every test"}
NOT_CPU_TIER = ("gpu", "benchmark")  # the markers of the tests the CPU tier leaves out

# Largest |cuda - cpu| allowed, as a fraction of max |cpu|: (output, gradients). float32 runs with
# TF32 off; the rest is reduction order (cuDNN/cuBLAS vs oneDNN), which grows through 6 ViT blocks.
TOLERANCE = {"float32": (1e-4, 1e-3), "float64": (1e-10, 1e-9)}


def cuda_missing() -> str:
    """Why nothing can run on CUDA here (the skip reason of every gpu test), or "" when it can."""
    import torch  # only when a gpu test or a --cuda run asks

    return "" if torch.cuda.is_available() else f"needs CUDA: torch {torch.__version__} here has no usable CUDA device"
