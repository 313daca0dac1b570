#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the autograder image.
# It needs Python >= 3.11 (installed from the distribution when the image has none), then installs
# the grader's wheel into its own venv with CPU-only torch, and writes the synthetic CIFAR-10 once;
# then it closes the answers to other users (autograde/batch/gradescope/lockdown.py).
set -euo pipefail
cd "$(dirname "$0")"
root="${PSET3_AUTOGRADER_ROOT:-/autograder}"
venv="$root/pset3-venv"

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! python=$(find_python); then
    # Ubuntu 22.04, Gradescope's default base image, ships Python 3.10; its universe has 3.11.
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv
    python=python3.11
fi
if ! "$python" -m venv "$venv"; then
    # Debian and Ubuntu keep venv (ensurepip) in a package of its own.
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$("$python" -c \
        'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}-venv")')"
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check)
"${pip[@]}" --upgrade pip
# CPU-only torch first, at the versions the grader was tested with (requirements.txt): the default
# index would bring a CUDA build of several GB that a grading container cannot use.
torch_pins=$(grep -E '^(torch|torchvision)==' requirements.txt)
# shellcheck disable=SC2086 # one argument per pin
"${pip[@]}" --index-url https://download.pytorch.org/whl/cpu $torch_pins
"${pip[@]}" -r requirements.txt -c constraints.txt ./*.whl
"$venv/bin/python" -m autograde.common.synthetic_cifar "$root/pset3-data/cifar10"
# Where the container gives the sandbox no namespaces, file permissions keep the answers from it.
"$venv/bin/python" -m autograde.batch.gradescope.lockdown --root "$root"
echo "pset3 autograder installed in $venv"
