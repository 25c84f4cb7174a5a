"""hw3 exercise 11: OpenCV results against an independent numpy correlation and known truths."""

import numpy as np
import pytest

from reference.hw3 import ex11_filters as ex11


def _correlate_reflect101(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Plain correlation (no kernel flip); numpy's "reflect" padding is OpenCV's REFLECT_101."""
    padded = np.pad(image.astype(np.float64), 1, mode="reflect")
    out = np.zeros(image.shape)
    for dy in range(3):
        for dx in range(3):
            out += kernel[dy, dx] * padded[dy : dy + image.shape[0], dx : dx + image.shape[1]]
    return out


def test_pictures():
    image, template = ex11.pic1(), ex11.pic2()
    assert image.shape == (96, 128) and image.dtype == np.float32
    assert np.array_equal(template, image[30:46, 70:86])
    assert template.std() > 5  # textured, so the match location is well defined


def test_filtered_equals_numpy_correlation():
    results = ex11.filtered()
    assert list(results) == list(ex11.KERNELS)
    image = ex11.pic1()
    for name, kernel in ex11.KERNELS.items():
        expected = _correlate_reflect101(image, np.asarray(kernel, dtype=float))
        assert np.allclose(results[name], expected, rtol=1e-6, atol=1e-3), name


def test_kernels_are_as_printed():
    assert all(np.shape(k) == (3, 3) for k in ex11.KERNELS.values())
    assert ex11.KERNELS["difference"] == ex11.KERNELS["outline"]
    assert np.sum(ex11.KERNELS["weighted_average"]) == 16  # not normalised in the statement
    assert ex11.KERNELS["top_sobel"] == (-np.asarray(ex11.KERNELS["bottom_sobel"])).tolist()


@pytest.mark.parametrize("x, y", [(70, 30), (20, 60)])
def test_template_matching_finds_the_patch(x, y):
    table = ex11.template_matching(x=x, y=y)
    rows = {row[0]: row[1:] for row in table["rows"]}
    assert list(rows) == list(ex11.MATCH_METHODS)
    for method in ("TM_SQDIFF", "TM_CCOEFF_NORMED"):
        assert rows[method] == [x, y], method
    assert table["ask"] == [[i, c] for i in range(6) for c in ("x", "y")]
    assert all(isinstance(v, int) for row in table["rows"] for v in row[1:])


def test_laplacian_2d():
    assert ex11.laplacian_2d() == [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]
    assert ex11.laplacian_2d() == (-np.asarray(ex11.KERNELS["laplacian"])).tolist()
