"""The figures a GPU-tier run produced, in one plain-text report: what a closing note quotes.

Reads the run's JUnit XML (the agreement spec records each case's largest relative errors, the
speed spec its medians and ratio, as test properties) and pytest-benchmark's JSON (medians, and
images/s and TFLOP/s of the ViT training paths in `extra_info`). Standard library only, so it runs
on any machine the files land on.

    python tools/gpu_report.py --junit out/gpu/junit.xml --benchmarks out/gpu/benchmarks.json
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograde.commands.junit import read_cases  # noqa: E402
from autograde.spec.tiers import TOLERANCE  # noqa: E402


class ReportError(Exception):
    """A file the run should have written is unreadable."""


LABELS = {"passed": "passed", "failure": "FAILED", "error": "ERROR", "skipped": "skipped"}
Row = tuple[str, str, dict[str, str]]  # test name with its parameters, outcome label, properties


def rows(junit: Path) -> list[Row]:
    """Every test case in the XML: its name (module left out), outcome label and recorded properties."""
    try:
        cases = read_cases(junit)
    except ET.ParseError as error:
        raise ReportError(f"{junit} is not JUnit XML ({error}): was the run cut short?") from error
    return [(case.id.split("::")[-1], LABELS[case.outcome], case.properties) for case in cases]


def agreement_lines(cases: list[Row]) -> list[str]:
    lines = ["CUDA vs CPU agreement: largest |cuda - cpu| / max |cpu| (tolerance output / gradients: "
             + ", ".join(f"{d} {o:.0e} / {g:.0e}" for d, (o, g) in TOLERANCE.items()) + ")",
             f"  {'case':42s} {'outcome':8s} {'output':>10s} {'input grads':>12s} {'param grads':>12s}"]
    for name, result, props in cases:
        if name.startswith("test_cuda_computes_what_the_cpu_computes"):
            errors = [props.get(f"relative_error_{k}", "-") for k in ("output", "input_grads", "param_grads")]
            lines.append(f"  {name.split('[', 1)[-1].rstrip(']'):42s} {result:8s} "
                         f"{errors[0]:>10s} {errors[1]:>12s} {errors[2]:>12s}")
    return lines


def speed_lines(cases: list[Row]) -> list[str]:
    lines = ["Speed spec: implementation vs reference, median ms per call"]
    for name, result, props in cases:
        if name.startswith("test_no_more_than_ratio_slower"):
            lines.append(f"  {name.split('[', 1)[-1].rstrip(']'):30s} {result:8s} {props.get('ms', '-'):>10s} vs "
                         f"{props.get('reference_ms', '-'):>10s} = {props.get('ratio', '-')}x")
    return lines


def benchmark_line(name: str, median_ms: float, extra: dict[str, Any]) -> str:
    line = f"  {name:58s} {median_ms:10.3f} ms"
    if "images_per_s" in extra:
        line += f"  {float(extra['images_per_s']):.1f} images/s, {float(extra['tflops']):.3f} TFLOP/s"
        if "bf16_peak_fraction" in extra:
            line += f" ({100 * float(extra['bf16_peak_fraction']):.1f}% of bf16 peak)"
    return line


def benchmark_lines(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text())
    except ValueError as error:
        raise ReportError(f"{path} is not pytest-benchmark JSON ({error}): was the run cut short?") from error
    info = data.get("machine_info", {})
    lines = [f"Benchmarks on {info.get('device_model', '?')} "
             f"(torch {info.get('torch', '?')}, CUDA {info.get('cuda', '?')}): median per round"]
    lines += [benchmark_line(b["fullname"].split("::")[-1], b["stats"]["median"] * 1e3, b.get("extra_info", {}))
              for b in data.get("benchmarks", [])]
    return lines


def junit_benchmark_lines(cases: list[Row]) -> list[str]:
    """The medians the benchmarks also recorded in the JUnit XML (all a cut-short run leaves)."""
    rows = [benchmark_line(name, float(props["median_ms"]), props) for name, _, props in cases if "median_ms" in props]
    return ["Benchmarks, from the JUnit XML: median per round", *rows] if rows else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junit", type=Path, help="JUnit XML of the GPU-tier run")
    parser.add_argument("--benchmarks", type=Path, help="pytest-benchmark's --benchmark-json file")
    args = parser.parse_args(argv)
    lines: list[str] = []
    problems: list[str] = []
    cases: list[Row] = []
    if args.junit and args.junit.is_file():
        try:
            cases = rows(args.junit)
        except ReportError as error:
            problems.append(str(error))
        else:
            counts = {k: sum(1 for _, r, _ in cases if r == k) for k in ("passed", "FAILED", "ERROR", "skipped")}
            lines += [", ".join(f"{n} {k.lower()}" for k, n in counts.items()), "",
                      *agreement_lines(cases), "", *speed_lines(cases), ""]
    try:
        if args.benchmarks and args.benchmarks.is_file():
            lines += benchmark_lines(args.benchmarks)
        else:
            lines += junit_benchmark_lines(cases)
    except ReportError as error:
        problems.append(str(error))
        lines += junit_benchmark_lines(cases)
    for problem in problems:
        print(f"gpu_report: {problem}", file=sys.stderr)
    if not lines and not problems:
        print("gpu_report: neither file exists; the run produced nothing to report", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
