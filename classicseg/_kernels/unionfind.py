"""Union-find over an int array ``parent`` (``parent[i] == i`` for a root)."""
import numpy as np

from .._numba import jit

__all__ = ["find", "number_sets", "union"]


@jit(inline=True)
def find(parent, i):
    """The root of i's set (with path halving)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@jit(inline=True)
def union(parent, a, b):
    """Join the sets of a and b; the smaller root wins, so a root is the first
    element of its set in raster order."""
    a = find(parent, a)
    b = find(parent, b)
    if a != b:
        parent[max(a, b)] = min(a, b)


@jit(inline=True)
def number_sets(parent, member):
    """Numbers 1..K of the sets, in order of their roots (their first elements), for
    the elements with ``member[i]`` (the others get 0 and are not counted).
    Returns ``(numbers int32, K)``."""
    numbers = np.zeros(parent.shape[0], np.int32)
    k = 0
    for i in range(parent.shape[0]):
        if not member[i]:
            continue
        root = find(parent, i)
        if root == i:
            k += 1
            numbers[i] = k
        else:
            numbers[i] = numbers[root]
    return numbers, k
