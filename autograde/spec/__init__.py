"""The spec side, which computes scores and never runs submission code: the pytest plugin, the observation API
and its sandbox client, the rubric, the results, the grading seed, the tiers and the spec's shared checks.
"""
