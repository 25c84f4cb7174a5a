"""The benchmark assignment's data and answers: small numpy work a first deep-learning homework asks for."""
import numpy as np

X = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0]
LOGITS = [2.0, 1.0, 0.1, -1.0, 0.5]
A = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
B = [[2.0, 0.0], [1.0, 1.0], [-1.0, 4.0]]

SETUP = f"""import numpy as np
x = np.array({X})
logits = np.array({LOGITS})
A = np.array({A})
B = np.array({B})"""


def mean_square() -> float:
    """q1: the mean of x squared."""
    return float(np.mean(np.square(X)))


def standardized() -> np.ndarray:
    """q2: x minus its mean, over its (population) standard deviation."""
    x = np.asarray(X)
    return (x - x.mean()) / x.std()


def softmax() -> np.ndarray:
    """q3: the softmax of the logits."""
    e = np.exp(np.asarray(LOGITS) - max(LOGITS))
    return e / e.sum()


def product() -> np.ndarray:
    """q4: the matrix product A·B."""
    return np.asarray(A) @ np.asarray(B)
