"""Exercises 4, 9, 10: sizes from real models and data, against closed forms."""
from reference.hw3 import ex4_cifar_cnn, ex9_ex10_shapes


def conv(c_in: int, c_out: int) -> int:
    return c_out * (c_in * 9 + 1)


def test_cifar_cnn_sizes():
    assert ex4_cifar_cnn.flatten_features() == 256 * (32 // 2 ** 3) ** 2 == 4096
    convs = conv(3, 32) + conv(32, 64) + conv(64, 128) + conv(128, 128) + conv(128, 256) + conv(256, 256)
    batchnorm = 2 * (64 + 128 + 256)
    linear = (4096 + 1) * 1024 + (1024 + 1) * 512 + (512 + 1) * 10
    assert ex4_cifar_cnn.parameter_count() == convs + batchnorm + linear


def test_breast_cancer_and_mnist_sizes():
    assert ex9_ex10_shapes.breast_cancer_nodes() == {"inputs": 30, "outputs": 2}
    assert ex9_ex10_shapes.mnist_flatten_features() == 32 * 7 * 7
