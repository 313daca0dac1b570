"""The rest of the hostile_conftest submission: nothing of the contract."""

NOTHING = None
