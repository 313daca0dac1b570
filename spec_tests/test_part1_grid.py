"""Question 1.2: the image grid is channels-last, the layout plt.imshow expects."""

import matplotlib
import pytest

from autograde.spec.checks import assert_tensor, rand

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.mark.question("1.2")
def test_grid_is_channels_last_and_imshow_takes_it(impl):
    grid = assert_tensor(impl.call("image_grid", rand(8, 3, 32, 32)), "image_grid")
    assert grid.dim() == 3 and grid.shape[-1] == 3 and min(grid.shape[:2]) >= 32, (
        f"image_grid gave shape {list(grid.shape)}; plt.imshow needs [H, W, 3] (channels last)")
    # A grid of that shape is never the channels-first layout imshow rejects ("Invalid shape"): what is
    # left to check is that imshow takes it.
    fig, ax = plt.subplots()
    try:
        ax.imshow(grid.float().numpy())
    finally:
        plt.close(fig)
