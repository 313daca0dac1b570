"""tools/gpu_report.py turns a GPU-tier run's JUnit XML and benchmark JSON into the note's figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="spec_tests.test_gpu_agreement" name="test_cuda_computes_what_the_cpu_computes[CifarNet-float32]">
<properties><property name="relative_error_output" value="3.100e-07"/>
<property name="relative_error_input_grads" value="2.000e-06"/>
<property name="relative_error_param_grads" value="4.500e-06"/>
</properties></testcase>
<testcase classname="spec_tests.test_speed" name="test_no_more_than_ratio_slower_than_the_reference[CifarNet-train]">
<properties><property name="ms" value="55.870"/><property name="reference_ms" value="3.420"/>
<property name="ratio" value="16.336"/></properties><failure message="too slow"/></testcase>
<testcase classname="benchmarks.test_vit_training" name="test_vit_training_throughput[fast-cuda]">
<properties><property name="images_per_s" value="81920.0"/><property name="tflops" value="107.3"/>
<property name="bf16_peak_fraction" value="0.1085"/><property name="median_ms" value="31.25"/></properties></testcase>
</testsuite></testsuites>"""
BENCHMARKS = {"machine_info": {"device_model": "NVIDIA H200", "torch": "2.11.0", "cuda": "13.0"},
              "benchmarks": [{"fullname": "benchmarks/test_vit_training.py::test_vit_training_throughput[fast-cuda]",
                              "stats": {"median": 0.05, "min": 0.049, "rounds": 5},
                              "extra_info": {"images_per_s": 81920.0, "tflops": 107.3, "bf16_peak_fraction": 0.1085}}]}


def report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "tools/gpu_report.py", *args], cwd=REPO, capture_output=True, text=True)


def test_the_report_quotes_errors_ratios_and_throughput(tmp_path):
    (tmp_path / "junit.xml").write_text(JUNIT)
    (tmp_path / "bench.json").write_text(json.dumps(BENCHMARKS))
    run = report("--junit", str(tmp_path / "junit.xml"), "--benchmarks", str(tmp_path / "bench.json"))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "2 passed, 1 failed, 0 error, 0 skipped"
    assert any(line.split() == ["CifarNet-float32", "passed", "3.100e-07", "2.000e-06", "4.500e-06"] for line in lines)
    assert any("CifarNet-train" in line and "FAILED" in line and "= 16.336x" in line for line in lines)
    assert "Benchmarks on NVIDIA H200 (torch 2.11.0, CUDA 13.0)" in run.stdout
    assert "81920.0 images/s, 107.300 TFLOP/s (10.8% of bf16 peak)" in run.stdout


def test_the_report_says_when_the_run_left_nothing(tmp_path):
    run = report("--junit", str(tmp_path / "missing.xml"))
    assert run.returncode == 1 and "produced nothing to report" in run.stderr


def test_a_run_cut_short_still_reports_what_it_has(tmp_path):
    (tmp_path / "junit.xml").write_text(JUNIT)
    (tmp_path / "bench.json").write_text("")  # pytest-benchmark writes nothing when interrupted
    run = report("--junit", str(tmp_path / "junit.xml"), "--benchmarks", str(tmp_path / "bench.json"))
    assert run.returncode == 1 and "= 16.336x" in run.stdout
    assert "Benchmarks, from the JUnit XML" in run.stdout
    assert "31.250 ms  81920.0 images/s, 107.300 TFLOP/s (10.8% of bf16 peak)" in run.stdout
    assert "bench.json is not pytest-benchmark JSON" in run.stderr and "cut short" in run.stderr
