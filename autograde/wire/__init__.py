"""What crosses the pipe between the spec process and the sandboxed worker: frames, the values inside them,
the typed messages (`protocol`), and who holds the pipes. Imports only `autograde.common`.
"""
