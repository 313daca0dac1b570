"""Hostile: leaves a detached child process running, then defines nothing."""

import subprocess
import sys

subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # pset3-hostile-child"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
