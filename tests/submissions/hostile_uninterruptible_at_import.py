"""Hostile: blocks the grader's interrupt and spins at top level; its ANSWERS, after that, are right."""

import signal

if True:  # one statement: the block and the endless loop
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
    while True:
        pass

ANSWERS = {"2.1a": (True, False), "2.1b": (True, False), "2.1c": (True, False), "2.1d": (True, True),
           "2.1e": (False, True), "2.4": 4, "2.5": (10, 100)}
