"""Scores from test outcomes, and rubric validation."""

import pytest

from autograde.spec.rubric import load_rubric


def test_fraction_scoring_and_fail_closed(tmp_path):
    rubric = load_rubric()
    points = rubric.questions["2.6"].points
    assert rubric.score("2.6", passed=3, failed=1) == pytest.approx(points * 0.75)
    assert rubric.score("2.6", passed=0, failed=0) == 0


def test_all_or_nothing_scoring(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('scoring = "all"\n[questions."9.1"]\ntitle = "t"\npoints = 4\n')
    rubric = load_rubric(path)
    assert rubric.score("9.1", 3, 1) == 0 and rubric.score("9.1", 4, 0) == 4


@pytest.mark.parametrize(("text", "message"), [
    ('scoring = "most"\n[questions."1"]\ntitle = "t"\npoints = 1\n', "scoring must be one of"),
    ('[questions."1"]\npoints = 1\n', "needs a title and points"),
    ('[questions."1"]\ntitle = "t"\npoints = -1\n', "needs a title and points"),
    ("", "no \\[questions"),
])
def test_invalid_rubrics_are_refused(tmp_path, text, message):
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_rubric(path)
