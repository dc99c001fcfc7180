"""classicseg._numba: the jit settings' helpers and intrinsics."""
import numpy as np

from classicseg._numba import float32_bits, jit, prefetch


@jit
def _sum_with_prefetch(values, ahead):
    total = 0.0
    for i in range(values.size):
        if i + ahead < values.size:
            prefetch(values, i + ahead)
        total += values[i]
    return total


@jit
def _bits(values, out):
    for i in range(values.size):
        out[i] = float32_bits(values[i])


def test_prefetch_is_only_a_hint():
    values = np.random.default_rng(0).random(1000)
    assert _sum_with_prefetch(values, 8) == _sum_with_prefetch(values, values.size)
    assert np.isclose(_sum_with_prefetch(values, 8), values.sum())


def test_float32_bits_is_a_bit_cast():
    values = np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, 1e-45, 3.4e38],
                      np.float32)
    out = np.empty(values.size, np.int32)
    _bits(values, out)
    np.testing.assert_array_equal(out, values.view(np.int32))
