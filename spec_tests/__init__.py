"""The spec: pytest tests that any implementation of the problem set must pass (run with `pytest --impl PATH`)."""
