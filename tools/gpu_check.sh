#!/usr/bin/env bash
# The GPU tier on a lent GPU machine, in one prepared run (no network there): install tox from the
# wheelhouse that travelled with the tree, run `tox -e gpu` writing JUnit XML and benchmark JSON,
# and print the figures a closing note quotes (tools/gpu_report.py). Everything lands in $OUT.
#
# Here, first:  python tools/wheelhouse.py build
# There:        bash tools/gpu_check.sh            (OUT defaults to out/gpu; PYTHON to python3)
#
# If the sandboxed run fails, the agreement and speed specs run once more with --no-sandbox, so a
# sandbox problem on that machine is told apart from a numerical one.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/gpu}
PYTHON=$(command -v "${PYTHON:-python3}") || { echo "no python: set PYTHON"; exit 2; }
LIMIT=${GPU_CHECK_LIMIT_S:-480}  # seconds for tox -e gpu (then SIGINT: pytest still writes its XML)
END=${GPU_CHECK_END_S:-570}      # the whole script ends by then: one device command runs 600 s at most
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PSET3_GPU_PYTHON=$PYTHON

{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv || echo "no nvidia-smi"
  "$PYTHON" -c 'import sys, torch; print(sys.version.split()[0], torch.__version__, "cuda", torch.version.cuda,
    torch.cuda.get_device_name(0) if torch.cuda.is_available() else "NO CUDA")'
  "$PYTHON" -m pip install -q --no-index --find-links wheelhouse tox && "$PYTHON" -m tox --version
} 2>&1 | tee "$OUT/machine.txt"

timeout -s INT -k 20 "$LIMIT" "$PYTHON" -m tox -e gpu -- --junitxml="$OUT/junit.xml" --benchmark-json="$OUT/benchmarks.json" \
  -rfEs 2>&1 | tee "$OUT/tox-gpu.log"
status=$?
echo "tox -e gpu exit status: $status" | tee -a "$OUT/tox-gpu.log"

left=$((END - SECONDS))
if [ "$status" -ne 0 ] && [ "$left" -gt 40 ]; then
  # `pset3 report`: the spec run's one command line (autograde/batch/specrun.py); the GPU tier of the spec is
  # the agreement and speed specs.
  PYTHONPATH=. timeout -s INT -k 5 $((left - 15)) "$PYTHON" -m autograde report --tier gpu --no-sandbox \
    --junitxml="$OUT/junit-no-sandbox.xml" -rfEs 2>&1 | tee "$OUT/no-sandbox.log"
fi

"$PYTHON" tools/gpu_report.py --junit "$OUT/junit.xml" --benchmarks "$OUT/benchmarks.json" 2>&1 | tee "$OUT/report.txt"
if [ -f "$OUT/junit-no-sandbox.xml" ]; then
  echo "--- without the sandbox:" | tee -a "$OUT/report.txt"
  "$PYTHON" tools/gpu_report.py --junit "$OUT/junit-no-sandbox.xml" 2>&1 | tee -a "$OUT/report.txt"
fi
exit "$status"
