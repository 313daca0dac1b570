"""Part 2 of the problem set: PyTorch fundamentals.

The nets follow the problem set literally: they accept the unbatched `[32, 32]` image the
handout feeds them, and a batched input (`[B, 32, 32]` for the MLP, `[B, 1, 32, 32]` for the
LeNets) so that they are usable for real training.
"""

import torch
import torch.nn.functional as F
from torch import nn

from autograde.common.problemset import LIFECYCLE_STEPS  # noqa: F401 - re-exported for the reference's users

# The predictive answers of questions 2.1, 2.4 and 2.5.
# 2.1: (weight unchanged since creation, .grad exists) at each step of one SGD iteration:
# a fresh net, after zero_grad, after forward + loss, after backward, after step.
# Since torch 2.0 `zero_grad` sets grads to None, so none exists before backward.
ANSWERS: dict[str, object] = {
    "2.1a": (True, False),
    "2.1b": (True, False),
    "2.1c": (True, False),
    "2.1d": (True, True),
    "2.1e": (False, True),
    "2.4": 4,
    "2.5": (10, 100),
}


class MLPNet(nn.Module):
    """Linear(1024, 100) -> ReLU -> Linear(100, 10) on a flattened 32x32 image."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(32 * 32, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(start_dim=-2)  # [..., 32, 32] -> [..., 1024]; any batch dims survive
        return self.fc2(F.relu(self.fc1(x)))


class GaussianConnections(nn.Module):
    """LeNet-5's RBF output layer: output_i = sum_j (x_j - w_ij)^2, a distance, so never negative."""

    def __init__(self, in_features: int = 84, out_features: int = 10) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.unsqueeze(-2) - self.weight).pow(2).sum(dim=-1)


def _as_batch(x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """A `[32, 32]` image becomes `[1, 1, 32, 32]`; report whether to squeeze the result."""
    if x.dim() == 2:
        return x[None, None], True
    return x, False


class LeNetRBF(nn.Module):
    """conv(1->6, 5) -> maxpool 2 -> conv(6->16, 5) -> maxpool 2 -> Linear(400, 120) -> ReLU
    -> Linear(120, 84) -> Gaussian connections (10 outputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.rbf = GaussianConnections(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, unbatched = _as_batch(x)
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = self.fc2(F.relu(self.fc1(x.flatten(start_dim=1))))
        out = self.rbf(x)
        return out[0] if unbatched else out


class LeNetSequential(nn.Module):
    """`LeNetRBF` written as one `nn.Sequential`; same parameters in the same order."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            GaussianConnections(84, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, unbatched = _as_batch(x)
        out = self.layers(x)
        return out[0] if unbatched else out




def gradient_lifecycle(seed: int = 0, lr: float = 0.01) -> dict[str, tuple[bool, bool]]:
    """Measure question 2.1 live: (fc1.weight unchanged, fc1.weight.grad exists) at steps a..e.

    One SGD iteration of `MLPNet` with an MSE loss against a random target, as in the handout.
    Global RNG state is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = MLPNet()
        optimizer = torch.optim.SGD(net.parameters(), lr=lr)
        weight = net.fc1.weight
        initial = weight.detach().clone()

        def observe() -> tuple[bool, bool]:
            return bool(torch.equal(weight.detach(), initial)), weight.grad is not None

        states = {"a": observe()}
        optimizer.zero_grad()
        states["b"] = observe()
        loss = F.mse_loss(net(torch.rand(32, 32)), torch.rand(10))
        states["c"] = observe()
        loss.backward()
        states["d"] = observe()
        optimizer.step()
        states["e"] = observe()
    return states
