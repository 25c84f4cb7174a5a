"""Question 2b: the (centre word, context word) training pairs of the word2vec tutorial, by window.

The linked tutorial's loop, for every position i of a sentence and every distance d = 1 … window,
appends the pair with the word d places ahead (if there is one) and then the pair with the word
d places behind (if there is one). Words are given as their indices in the dictionary of unique
words, so the pairs are an integer array of shape (P, 2): [centre, context].
"""

from __future__ import annotations

import numpy as np

VOCAB = 30


def context_pairs(sentence, window: int) -> list[list[int]]:
    """The tutorial's loop over one sentence of word indices."""
    words = [int(w) for w in sentence]
    pairs = []
    for i, word in enumerate(words):
        for d in range(1, int(window) + 1):
            if i + d < len(words):
                pairs.append([word, words[i + d]])
            if i - d >= 0:
                pairs.append([word, words[i - d]])
    return pairs


def pair_count(length: int, window: int) -> int:
    """How many pairs a sentence of `length` words gives: Σ_i min(window, i) + min(window, length − 1 − i)."""
    return sum(min(window, i) + min(window, length - 1 - i) for i in range(length))


def draw(seed: int, trial: int = 0) -> dict:
    """A sentence of 5 to 12 word indices and a window of 1 to 3 (trial 0 uses the answer's window 2)."""
    rng = np.random.default_rng(seed)
    window = 2 if trial == 0 else int(rng.integers(1, 4))
    return {"sentence": rng.integers(0, VOCAB, int(rng.integers(5, 13))).tolist(), "window": window}
