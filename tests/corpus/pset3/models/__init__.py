from .mlp import MLPNet
from .lenet import LeNetRBF
