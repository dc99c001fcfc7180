"""Union-find over an int array ``parent`` (``parent[i] == i`` for a root)."""
from .._numba import jit

__all__ = ["find", "union"]


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
