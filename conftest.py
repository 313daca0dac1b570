"""Registers the autograder's pytest plugin; everything else lives in autograde/plugin.py."""

pytest_plugins = ["autograde.plugin"]
