"""Hostile: evaluate runs with autograd on (the mistake); it replaces the worker's evaluate probe with
one that reports a perfect run, and the worker's reply function with one that rewrites every answer
(the attempt). ANSWERS and MLPNet are right."""

import json
import sys

import torch

from reference import ANSWERS, MLPNet  # noqa: F401 - the honest parts: right, as the reference's


def _forged_probe(*args, **kwargs):
    return {"value": 1.0, "type": "float", "grad_modes": [False] * 16}


def _forged_reply(stream, text, blob):
    header = len(text).to_bytes(8, "big") + len(blob).to_bytes(8, "big")
    stream.write(header + json.dumps({"ok": True, "value": _forged_probe()}).encode() + blob)


def evaluate(net, loader):
    for module in list(sys.modules.values()):
        if isinstance(getattr(module, "PROBES", None), dict):
            module.PROBES["evaluate"] = _forged_probe
        if callable(getattr(module, "write_frame", None)):
            module.write_frame = _forged_reply
    correct = total = 0
    for images, labels in loader:
        correct += (net(images).argmax(1) == labels).sum().item()
        total += labels.numel()
    return correct / total
