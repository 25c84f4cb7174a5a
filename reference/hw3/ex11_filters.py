"""Exercise 11: OpenCV filters and template matching, on a photo that ships with scikit-learn.

The statement's Pic1/Pic2 (from CycleGAN's iphone2dslr_flower) are not distributed with the
course, so Pic1 is scikit-learn's "flower.jpg" in grayscale, shrunk to keep the expected
answers small, and Pic2 is a patch cut from it, so the true match location is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np
from sklearn.datasets import load_sample_image

# The nine 3x3 kernels exactly as printed in the statement. "difference" is printed with the
# same numbers as "outline"; "weighted_average" is printed unnormalised (its weights sum to 16),
# so it brightens the image sixteen-fold unless divided by 16; it is kept as given.
KERNELS: dict[str, list[list[int]]] = {
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "bottom_sobel": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "right_sobel": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "top_sobel": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "difference": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "weighted_average": [[1, 1, 1], [1, 8, 1], [1, 1, 1]],
}
# Part B's six methods in the statement's order; SQDIFF methods are best at their minimum.
MATCH_METHODS: dict[str, int] = {
    "TM_CCORR": cv2.TM_CCORR,
    "TM_CCORR_NORMED": cv2.TM_CCORR_NORMED,
    "TM_CCOEFF": cv2.TM_CCOEFF,
    "TM_CCOEFF_NORMED": cv2.TM_CCOEFF_NORMED,
    "TM_SQDIFF": cv2.TM_SQDIFF,
    "TM_SQDIFF_NORMED": cv2.TM_SQDIFF_NORMED,
}


@lru_cache(maxsize=1)
def _flower_gray() -> np.ndarray:
    gray = cv2.cvtColor(load_sample_image("flower.jpg"), cv2.COLOR_RGB2GRAY)
    gray.flags.writeable = False  # shared by the cache
    return gray


def pic1(width: int = 128, height: int = 96) -> np.ndarray:
    """Pic1: the grayscale flower resized (area interpolation) to width x height, float32."""
    return cv2.resize(_flower_gray(), (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def pic2(x: int = 70, y: int = 30, size: int = 16, width: int = 128, height: int = 96) -> np.ndarray:
    """Pic2, the template: the size x size patch of Pic1 whose top-left corner is (x, y)."""
    return pic1(width, height)[y : y + size, x : x + size].copy()


def filtered(width: int = 128, height: int = 96) -> dict[str, list]:
    """Each kernel applied with cv2.filter2D (float32 output, default BORDER_REFLECT_101).

    filter2D computes a correlation, not a flipped-kernel convolution: the kernel is applied as
    printed, which matters for the asymmetric emboss and Sobel kernels.
    """
    image = pic1(width, height)
    return {
        name: cv2.filter2D(image, cv2.CV_32F, np.asarray(kernel, dtype=np.float32)).tolist()
        for name, kernel in KERNELS.items()
    }


def template_matching(x: int = 70, y: int = 30, size: int = 16, width: int = 128, height: int = 96) -> dict:
    """Best-match top-left corner (x, y) of Pic2 in Pic1 for each method, as a table.

    Unnormalised TM_CCORR (and possibly TM_CCOEFF) may prefer bright or high-contrast regions
    over the true location; that difference is what part B asks the student to observe.
    """
    image, template = pic1(width, height), pic2(x, y, size, width, height)
    rows = []
    for name, method in MATCH_METHODS.items():
        _, _, min_loc, max_loc = cv2.minMaxLoc(cv2.matchTemplate(image, template, method))
        bx, by = min_loc if name.startswith("TM_SQDIFF") else max_loc
        rows.append([name, int(bx), int(by)])
    return {
        "columns": ["method", "x", "y"],
        "rows": rows,
        "key": "method",
        "ask": [[i, col] for i in range(len(rows)) for col in ("x", "y")],
    }


def laplacian_2d(d: Sequence[int] = (-1, 2, -1)) -> list[list[int]]:
    """Part C: the 2-D form of the 1-D second-difference filter d.

    Placing d along the middle row (horizontal second difference) and along the middle column
    (vertical one) and adding gives [[0,-1,0],[-1,4,-1],[0,-1,0]], the negative of the
    statement's Laplacian kernel because [-1, 2, -1] is minus the second derivative.
    """
    d1 = np.asarray(d, dtype=int)
    impulse = np.zeros_like(d1)
    impulse[len(d1) // 2] = 1
    return (np.outer(impulse, d1) + np.outer(d1, impulse)).tolist()
