"""Pictures of a refinement: what changed, the confidence and its scale."""
import numpy as np

from segrefiner.visualization import (ADDED, REMOVED, change_map, confidence,
                                      heatmap, panel_strip, with_colour_bar)


def test_change_map_colours_added_and_removed_pixels():
    image = np.full((4, 5, 3), 200, np.uint8)
    before = np.zeros((4, 5), bool)
    after = np.zeros((4, 5), bool)
    before[0, :3] = True  # 0,0-0,1 kept; 0,2 removed
    after[0, :2] = after[1, 1] = True  # 1,1 added
    out = change_map(image, before, after)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert tuple(out[1, 1]) == ADDED and tuple(out[0, 2]) == REMOVED
    kept, rest = out[0, 0], out[3, 4]
    assert (kept > rest).all() and len(set(kept)) == len(set(rest)) == 1
    assert tuple(out[0, 1]) == tuple(kept)


def test_confidence_is_the_distance_from_one_half():
    probs = np.array([[0.0, 0.25, 0.5, 0.75, 1.0]], np.float32)
    assert np.array_equal(confidence(probs),
                          heatmap(np.array([[1, 0.5, 0, 0.5, 1]])))


def test_with_colour_bar_adds_the_scale_at_the_right():
    strip = panel_strip([np.zeros((50, 80, 3), np.uint8)], ['x'], 100)
    out = with_colour_bar(strip)
    assert out.shape[0] == strip.shape[0]
    assert out.shape[1] == strip.shape[1] + 64
    bar = out[29:-1, -60:-44].astype(int)
    assert bar[0].sum() > bar[-1].sum()  # 1 (bright) on top
