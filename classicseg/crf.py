"""A pairwise Potts CRF on a graph, solved by loopy belief propagation.

The energy of a labelling ``x`` of the nodes is
``E(x) = sum_i -log p_i(x_i) + sum_(i,j) w_ij [x_i != x_j]``: the classifier's
probabilities as unaries and a penalty ``w_ij`` on each edge whose ends disagree.
Sum-product loopy belief propagation (Pearl; Murphy, Weiss & Jordan 1999) gives
approximate marginals, so smoothed probabilities stay probabilities.  A Potts
message costs O(L) per edge, not O(L^2): ``m(x_j) = e^-w S + (1 - e^-w) h(x_j)``
with ``h`` the sender's belief without the receiver's message and ``S = sum h``.
All messages are updated at once (vectorised over the edges), with damping.
"""
import numpy as np

from ._validate import check_positive

__all__ = ["potts_marginals"]


def potts_marginals(probabilities, edges, weights, *, n_iter=20, damping=0.5):
    """Approximate marginals of the Potts CRF (module docstring).

    Parameters
    ----------
    probabilities : (N, L) array
        Unary probabilities of each node's labels (rows need not sum to 1; zeros
        are floored at 1e-12).
    edges : (E, 2) int array
        Undirected edges ``(i, j)``, ``i != j``, each once.
    weights : (E,) array
        Potts penalties ``w_ij >= 0`` (0: no coupling).
    n_iter : int
        Message-passing sweeps.
    damping : float in [0, 1)
        Weight of the previous message in each update (against oscillation).

    Returns
    -------
    (N, L) float64
        Beliefs, rows summing to 1.  With no edges or zero weights: the normalised
        unaries.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1], [0.4, 0.6], [0.9, 0.1]])
    >>> q = potts_marginals(p, np.array([[0, 1], [1, 2]]), np.array([2.0, 2.0]))
    >>> int(q[1].argmax())   # the uncertain middle node follows its neighbours
    0
    """
    unary = np.maximum(np.asarray(probabilities, dtype=np.float64), 1e-12)
    if unary.ndim != 2:
        raise ValueError(f"probabilities must be (N, L), got shape {unary.shape}")
    n, n_labels = unary.shape
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    weights = np.asarray(weights, dtype=np.float64).ravel()
    if weights.shape[0] != edges.shape[0]:
        raise ValueError(f"weights has {weights.shape[0]} entries for "
                         f"{edges.shape[0]} edges")
    if edges.size and (edges.min() < 0 or edges.max() >= n):
        raise ValueError(f"edges must index nodes 0..{n - 1}")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("weights must be finite and >= 0")
    check_positive(n_iter, "n_iter", integer=True, allow_zero=True)
    if not 0 <= damping < 1:
        raise ValueError(f"damping must be in [0, 1), got {damping!r}")
    unary /= unary.sum(axis=1, keepdims=True)
    if edges.shape[0] == 0:
        return unary
    # directed edges: d and d ^ 1 are the two directions of one undirected edge
    src = edges.ravel()                 # (i, j), (j, i), ...
    dst = edges[:, ::-1].ravel()
    stay = np.repeat(np.exp(-weights), 2)[:, None]
    log_unary = np.log(unary)
    messages = np.full((src.shape[0], n_labels), 1.0 / n_labels)
    for _ in range(n_iter):
        log_belief = _log_beliefs(log_unary, dst, messages)
        # the sender's belief without the receiver's message (the reverse edge)
        log_h = log_belief[src] - np.log(messages[np.arange(src.shape[0]) ^ 1])
        h = np.exp(log_h - log_h.max(axis=1, keepdims=True))
        h /= h.sum(axis=1, keepdims=True)
        new = stay + (1.0 - stay) * h
        new /= new.sum(axis=1, keepdims=True)
        messages = damping * messages + (1.0 - damping) * new
    log_belief = _log_beliefs(log_unary, dst, messages)
    belief = np.exp(log_belief - log_belief.max(axis=1, keepdims=True))
    return belief / belief.sum(axis=1, keepdims=True)


def _log_beliefs(log_unary, dst, messages):
    out = log_unary.copy()
    np.add.at(out, dst, np.log(messages))
    return out
