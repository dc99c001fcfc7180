import itertools

import numpy as np
import pytest

from classicseg.crf import potts_marginals


def _brute_marginals(p, edges, w):
    n, L = p.shape
    out = np.zeros((n, L))
    for x in itertools.product(range(L), repeat=n):
        x = np.array(x)
        weight = np.prod(p[np.arange(n), x]) * np.exp(
            -sum(wi for (i, j), wi in zip(edges, w) if x[i] != x[j]))
        out[np.arange(n), x] += weight
    return out / out.sum(axis=1, keepdims=True)


def test_exact_on_a_tree(rng):
    # belief propagation is exact on trees: a star plus a chain, 3 labels
    edges = np.array([[0, 1], [0, 2], [0, 3], [3, 4], [4, 5]])
    p = rng.random((6, 3)) + 0.05
    w = rng.random(5) * 3
    got = potts_marginals(p, edges, w, n_iter=60, damping=0.3)
    np.testing.assert_allclose(got, _brute_marginals(p, edges, w), atol=1e-6)


def test_no_coupling_gives_the_normalised_unaries(rng):
    p = rng.random((4, 3))
    expected = p / p.sum(1, keepdims=True)
    np.testing.assert_allclose(potts_marginals(p, np.zeros((0, 2)), np.zeros(0)),
                               expected)
    np.testing.assert_allclose(potts_marginals(p, [[0, 1], [2, 3]], [0.0, 0.0]),
                               expected)


def test_strong_coupling_makes_a_loop_agree():
    p = np.array([[0.9, 0.1], [0.45, 0.55], [0.8, 0.2], [0.3, 0.7]])
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 0]])
    q = potts_marginals(p, edges, np.full(4, 5.0))
    assert (q.argmax(1) == 0).all()
    np.testing.assert_allclose(q.sum(1), 1)


def test_bad_input():
    p = np.ones((3, 2))
    with pytest.raises(ValueError, match="weights has"):
        potts_marginals(p, [[0, 1]], [1.0, 2.0])
    with pytest.raises(ValueError, match="edges must index"):
        potts_marginals(p, [[0, 3]], [1.0])
    with pytest.raises(ValueError, match=">= 0"):
        potts_marginals(p, [[0, 1]], [-1.0])
    with pytest.raises(ValueError, match="damping"):
        potts_marginals(p, [[0, 1]], [1.0], damping=1.0)
    with pytest.raises(ValueError, match=r"\(N, L\)"):
        potts_marginals(np.ones(3), [[0, 1]], [1.0])
