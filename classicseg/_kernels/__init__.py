"""Kernel primitives shared by the algorithms: one implementation each.

- :mod:`.unionfind`: disjoint sets over an int array (path halving, smaller root
  wins so a root is its set's first element in raster order), and the sets
  numbered 1..K in that order.
- :mod:`.neighbours`: neighbour steps for a connectivity, and their raveled
  offsets in a padded array.
- :mod:`.adjacency`: the region adjacency graph of a label map as a symmetric CSR
  matrix of shared boundary lengths.
- :mod:`.heap`: a d-ary min-heap on parallel arrays ordered by (value, age): the
  watershed's queues, the BSDS-exact assignment, exact segment counts.
- :mod:`.runs`: row runs of equal label inside a mask (connected components, the
  instance metrics' masks).
- :mod:`.boundary`: boundary maps, a label differing from a neighbour's along given
  steps (find_boundaries, the superpixel and the BSDS boundary definitions).

Kernels here may be called (and inlined) from any module: the kernel cache of
:mod:`classicseg._numba` is stamped with these files, so editing them recompiles
their callers.
"""
from .adjacency import region_adjacency
from .neighbours import neighbour_steps, padded_strides, raveled_offsets
from .unionfind import find, number_sets, union

__all__ = ["find", "neighbour_steps", "number_sets", "padded_strides", "raveled_offsets",
           "region_adjacency", "union"]
