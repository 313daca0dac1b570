"""Functions the machinery's tests run in a fork of the warm grader (`warm.Run.call`): this module imports
nothing private, as a spec run's process must not before its worker forks."""

import json
import os
import sys

import psutil


def describe_process() -> int:
    """What a spec run forked from the warm grader finds: its folder, path, environment, threads, input,
    parent, and whether it may still fork its sandboxed worker."""
    import torch

    from autograde.worker.fork import PRIVATE_MODULES, can_fork

    print(json.dumps({"cwd": os.getcwd(), "path0": sys.path[0], "env": dict(os.environ),
                      "threads": torch.get_num_threads(), "can_fork": can_fork(),
                      "private": [m for m in sys.modules if m.split(".")[0] in PRIVATE_MODULES],
                      "stdin": sys.stdin.read(), "parent_alive": psutil.pid_exists(os.getppid())}))
    return 0
