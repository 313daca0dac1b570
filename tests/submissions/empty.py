"""A submission that defines nothing of the contract: it must score exactly 0."""

NOTE = "nothing here yet"
