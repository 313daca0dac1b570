"""Hostile: writes a forged, malformed message into the pipe the worker answers the grader on."""

import json
import os
import struct
import sys

from torch import nn

answers = json.loads(sys.argv[1])["answers_fd"]
forged = b'{"statement": {"file": "x"}}'
os.write(answers, struct.pack("!QQ", len(forged), 0) + forged)


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(1024, 100), nn.Linear(100, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x.flatten(-2)).relu())
