import torch
import torch.nn as nn


class Gaussian(nn.Module):
    """LeNet-5's Euclidean RBF units: y_i = sum_j (x_j - w_ij)^2"""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))

    def forward(self, x):
        # x: [B, in] -> diff: [B, out, in]
        diff = x.unsqueeze(-2) - self.weight
        return (diff ** 2).sum(dim=-1)
