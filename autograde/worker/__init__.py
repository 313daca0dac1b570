"""What runs inside the sandboxed worker: its isolation and tamper evidence, loading a submission statement by
statement, and the probes. The spec process imports it only to fork the worker and to run the reference
in-process; it imports nothing of the spec side or above (docs/architecture.md, The trust boundary).
"""
