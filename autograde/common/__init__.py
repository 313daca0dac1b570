"""Facts both sides of the sandbox need, and no behaviour of either: where the parts live, the contract,
the handout's numbers, the failure types, short tracebacks, reading a submission as root, the synthetic
CIFAR-10. Imports nothing else of `autograde` (docs/architecture.md, Layout).
"""
