"""Hostile: a conftest that would turn every failure into a pass, if pytest ever loaded it."""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    return report
