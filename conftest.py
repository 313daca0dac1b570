"""A checkout's plain `pytest` runs the autograder's plugin, installed or not (docs/architecture.md,
"Registering the plugin"); everything else lives in autograde/spec/plugin.py.

Installed, the package's pytest11 entry point has registered the plugin before this file is read, and
this file does nothing. No `pytest_plugins` here: pytest refuses that variable in a conftest it reads
during collection, which is how it reads this one when `pytest --impl PATH`, run from another folder
with an editable install, collects this checkout's spec. Spec runs never read this file (their
--confcutdir is the spec's folder).
"""

import pytest

PLUGIN = "autograde.spec.plugin"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Called as pytest registers this file, before the command line is parsed for good: registered
    now, the plugin's options are known to that parse."""
    if pluginmanager.has_plugin(PLUGIN):
        return
    config = pluginmanager.get_plugin("pytestconfig")
    if config is not None and any(a == "--impl" or a.startswith("--impl=") for a in config.invocation_params.args):
        # Without the plugin, pytest's first look at the command line took PATH for a test path, and
        # will read a conftest.py found there: a submission's code, which is never to be loaded.
        raise pytest.UsageError(f"--impl needs the {PLUGIN} plugin before the command line is read: install "
                                f"the package (pip install -e .) or give -p {PLUGIN}")
    pluginmanager.import_plugin(PLUGIN)
