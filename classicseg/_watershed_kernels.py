"""Numba kernels of :mod:`classicseg.watershed`.

Every kernel walks a padded, raveled array: the wrapper pads each spatial axis by one
pixel whose ``mask`` is 0, so ``p + offset`` never leaves the array and the inner loops
need no bounds checks.  ``offsets`` are the raveled neighbour offsets in scikit-image's
order (by distance, then raster order), which fixes the order of equal-priority pushes.

The priority queue of :func:`_flood` is Meyer's hierarchical queue generalised to floats:

* a bucket per level (integer elevations: one bucket per grey level, exact) or per
  narrow value range (floats: a slice of the float32 bit patterns, monotone in
  ``v`` and log-like, so the many small values of a gradient are spread out);
  each pixel is queued at most once, so bucket ``b`` gets a fixed stretch of one
  array of N slots, sized by a counting pass;
* when a float bucket becomes current, the values of its stretch (queued in age
  order) are gathered, stable-sorted and consumed in order; pixels queued into the
  current bucket while it is processed go to a small heap keyed by
  ``(value, age)``;
* pushes equal to the current level go to a FIFO (``fifo``), which is what makes
  plateaus O(1) per pixel and integer elevations a pure bucket queue.

The pop order is exactly ``(value, age)`` order, ages being push order.
"""
import numpy as np

from ._numba import jit


# ------------------------------------------------------------------ 4-ary heap
# Parallel arrays (value, age, index, payload); hole-based sifting.  Keys (value,
# age) are unique, so any heap pops in the same order; four children per node mean
# half the levels of a binary heap.

@jit
def _heap_grow(hv, ha, hi, hs):
    n = hv.size
    hv2 = np.empty(2 * n, hv.dtype)
    ha2 = np.empty(2 * n, ha.dtype)
    hi2 = np.empty(2 * n, hi.dtype)
    hs2 = np.empty(2 * n, hs.dtype)
    hv2[:n] = hv
    ha2[:n] = ha
    hi2[:n] = hi
    hs2[:n] = hs
    return hv2, ha2, hi2, hs2


@jit
def _heap_move(hv, ha, hi, hs, dst, src):
    hv[dst] = hv[src]
    ha[dst] = ha[src]
    hi[dst] = hi[src]
    hs[dst] = hs[src]


@jit
def _heap_push(hv, ha, hi, hs, n, v, a, i, s):
    """Insert (v, a, i, s) into the heap of size ``n`` (capacity must allow it)."""
    k = n
    while k > 0:
        parent = (k - 1) >> 2
        pv = hv[parent]
        if pv < v or (pv == v and ha[parent] < a):
            break
        _heap_move(hv, ha, hi, hs, k, parent)
        k = parent
    hv[k] = v
    ha[k] = a
    hi[k] = i
    hs[k] = s


@jit
def _heap_pop(hv, ha, hi, hs, n):
    """Remove the root of the heap of size ``n`` (read it first)."""
    n -= 1
    v = hv[n]
    a = ha[n]
    k = 0  # sift the last entry down from the root
    while True:
        first = 4 * k + 1
        if first >= n:
            break
        c = first
        for j in range(first + 1, min(first + 4, n)):
            if hv[j] < hv[c] or (hv[j] == hv[c] and ha[j] < ha[c]):
                c = j
        if v < hv[c] or (v == hv[c] and a < ha[c]):
            break
        _heap_move(hv, ha, hi, hs, k, c)
        k = c
    _heap_move(hv, ha, hi, hs, k, n)


# ------------------------------------------------------------------ flooding
# ``out`` encodes the state of each pixel: > 0 labelled, 0 free, WALL = outside the
# mask or padding, LINE = watershed line, -label (other negatives) = queued, label
# pending.

WALL = np.iinfo(np.int32).min
LINE = WALL + 1


@jit
def _is_line(out, offsets, p, lab):
    """True if a labelled neighbour of ``p`` carries a label other than ``lab``."""
    for o in offsets:
        x = out[p + o]
        if x > 0 and x != lab:
            return True
    return False


@jit
def _bucket(v, exact, kmin, shift, buf, bits):
    """Bucket of elevation ``v``: the value itself for integer elevations, else a
    slice, above ``kmin`` (lower keys share bucket 0), of the bit patterns of
    ``float32(v)`` with the negative half flipped (they order like the floats, and
    -0.0 counts as 0.0): log-like, fine near 0 and coarse for large values."""
    if exact:
        return np.int64(v)
    buf[0] = v if v != 0 else 0.0
    k = np.int64(bits[0])
    if k < 0:
        k ^= 0x7FFFFFFF
    return (k - kmin) >> shift if k > kmin else 0


@jit
def _sort_run(slots, lo, hi, elev, scratch):
    """Stable-sort ``slots[lo:hi]`` (queued in age order) by elevation and return the
    sorted elevations (in ``scratch`` when it is large enough)."""
    n = hi - lo
    values = scratch if n <= scratch.size else np.empty(n, elev.dtype)
    for k in range(n):  # gather first: independent loads overlap
        values[k] = elev[slots[lo + k]]
    for k in range(1, n):
        if values[k] < values[k - 1]:
            break
    else:
        return values
    if n > 64:
        order = np.argsort(values[:n], kind="mergesort")
        slots[lo:hi] = slots[lo:hi][order]
        return values[:n][order]
    for k in range(1, n):  # insertion sort: short stretches, often nearly sorted
        v = values[k]
        s = slots[lo + k]
        j = k
        while j > 0 and values[j - 1] > v:
            values[j] = values[j - 1]
            slots[lo + j] = slots[lo + j - 1]
            j -= 1
        values[j] = v
        slots[lo + j] = s
    return values


@jit
def _flood(elev, out, offsets, seeds, exact, kmin, shift, wsl, start, wp, slots, fifo,
           flagged):
    """Meyer flooding from the labelled ``seeds`` (raveled indices, raster order).

    Without ``wsl`` a pixel takes its label when queued (it cannot be reached more
    cheaply later); with ``wsl`` it is queued as ``-label`` and decides when popped
    between that label and a line.  A marker pixel touching another label becomes
    inert (as in scikit-image): it is set to WALL and its index stored in
    ``flagged``, for the caller to restore; returns how many.

    The queue: bucket ``b`` owns ``slots[start[b]:start[b + 1]]`` (room for every
    pixel whose elevation falls in it, filled up to ``wp[b]``); ``fifo`` holds the
    pixels queued at the current level; a float bucket is sorted when it becomes
    current and a heap takes the pixels queued into it meanwhile.  ``exact``: one
    value per bucket (integer elevations).
    """
    nb = start.size - 1
    buf = np.zeros(1, np.float32)
    bits = buf.view(np.int32)
    for p in range(out.size):  # bucket sizes (counting sort layout)
        if out[p] != WALL:
            start[_bucket(elev[p], exact, kmin, shift, buf, bits) + 1] += 1
    for b in range(nb):
        start[b + 1] += start[b]
        wp[b] = start[b]
    for s in seeds:
        b = _bucket(elev[s], exact, kmin, shift, buf, bits)
        slots[wp[b]] = s
        wp[b] += 1
    hv = np.empty(64, elev.dtype)
    ha = np.empty(64, np.int64)
    hi = np.empty(64, np.int64)
    hs = np.empty(64, np.int64)
    hn = 0
    age = 0
    fh = 0  # fifo[fh:ft]: queued at the current level ``cur``
    ft = 0
    scratch = np.empty(1024, elev.dtype)
    run = scratch  # run[rp - r0] = elev[slots[rp]]
    r0 = 0
    rp = 0  # slots[rp:re]: the current bucket, sorted by (value, age)
    re = 0
    nflag = 0
    cb = -1
    cur = elev[seeds[0]]
    while True:
        # Ties: the current bucket's run is older than the heap, which is older
        # than the FIFO (everything in it was queued after ``cur`` was reached).
        if rp < re and run[rp - r0] == cur:
            p = slots[rp]
            rp += 1
        elif hn > 0 and hv[0] == cur:
            p = hi[0]
            _heap_pop(hv, ha, hi, hs, hn)
            hn -= 1
        elif fh < ft:
            p = fifo[fh]
            fh += 1
        elif rp < re and (hn == 0 or run[rp - r0] <= hv[0]):
            p = slots[rp]
            cur = run[rp - r0]
            rp += 1
        elif hn > 0:
            p = hi[0]
            cur = hv[0]
            _heap_pop(hv, ha, hi, hs, hn)
            hn -= 1
        else:
            fh = 0
            ft = 0
            cb += 1
            while cb < nb and wp[cb] == start[cb]:
                cb += 1
            if cb == nb:
                break
            if exact:  # one value per bucket: the bucket is the FIFO's start
                cur = elev[slots[start[cb]]]
                for k in range(start[cb], wp[cb]):
                    fifo[ft] = slots[k]
                    ft += 1
            else:
                rp = r0 = start[cb]
                re = wp[cb]
                run = _sort_run(slots, rp, re, elev, scratch)
            continue

        lab = out[p]
        if wsl:
            if lab < 0:
                lab = -lab
                out[p] = LINE if _is_line(out, offsets, p, lab) else lab
            elif _is_line(out, offsets, p, lab):
                out[p] = WALL
                flagged[nflag] = p
                nflag += 1
        for o in offsets:
            q = p + o
            if out[q] != 0:
                continue
            out[q] = -lab if wsl else lab
            v = elev[q]
            if v <= cur:  # at the current level (clamped if lower): FIFO
                fifo[ft] = q
                ft += 1
                continue
            b = _bucket(v, exact, kmin, shift, buf, bits)
            if b == cb:
                if hn == hv.size:
                    hv, ha, hi, hs = _heap_grow(hv, ha, hi, hs)
                _heap_push(hv, ha, hi, hs, hn, v, age, q, 0)
                hn += 1
                age += 1
            else:
                slots[wp[b]] = q
                wp[b] += 1
    return nflag


# Compact flooding keeps, for each queued pixel, its offset (dz, dy, dx) from the
# marker pixel its flood came from, packed in 21-bit fields biased by _BIAS: adding
# a packed neighbour step adds field-wise (no field leaves [1, 2**21)), so distances
# need no division.
_BIAS = 1 << 20
_FIELD = (1 << 21) - 1
_ORIGIN = (_BIAS << 42) | (_BIAS << 21) | _BIAS


@jit(fastmath=False)
def _flood_compact(elev, out, offsets, steps, seeds, strides, compactness, wsl):
    """Compact watershed (Neubert & Protzel 2014): the priority of pixel ``q`` reached
    from marker pixel ``s`` is ``elev[q] + compactness * |q - s|``.  The same pixel
    may be queued from several markers, so labels are decided when popped (markers
    never become lines here).  ``steps[k]`` is ``offsets[k]`` as a packed (dz, dy,
    dx); ``strides`` the padded strides of (z, y, x).  ``fastmath`` is off so
    priorities round exactly as scikit-image's."""
    cap = max(64, 2 * seeds.size)
    hv = np.empty(cap, np.float64)
    ha = np.empty(cap, np.int64)
    hi = np.empty(cap, np.int64)
    hd = np.empty(cap, np.int64)
    hn = 0
    # Lowest priority queued so far per pixel: a later entry that is not lower
    # would pop after the pixel is labelled, so it is never queued (same labels).
    best = np.full(elev.size, np.inf)
    for k in range(seeds.size):
        _heap_push(hv, ha, hi, hd, hn, elev[seeds[k]], k, seeds[k], _ORIGIN)
        hn += 1
    age = seeds.size
    while hn > 0:
        v = hv[0]
        p = hi[0]
        d = hd[0]
        _heap_pop(hv, ha, hi, hd, hn)
        hn -= 1
        if d != _ORIGIN:
            if out[p] != 0:
                continue  # labelled from another marker first, or a line
            s = p - (((d >> 42) - _BIAS) * strides[0] + (((d >> 21) & _FIELD) - _BIAS)
                     * strides[1] + ((d & _FIELD) - _BIAS) * strides[2])
            lab = out[s]
            out[p] = LINE if wsl and _is_line(out, offsets, p, lab) else lab
        for k in range(offsets.size):
            q = p + offsets[k]
            if out[q] != 0:
                continue
            e = d + steps[k]
            dz = (e >> 42) - _BIAS
            dy = ((e >> 21) & _FIELD) - _BIAS
            dx = (e & _FIELD) - _BIAS
            w = elev[q] + compactness * np.sqrt(np.float64(dz * dz + dy * dy + dx * dx))
            if w < v:
                w = v
            if w >= best[q]:
                continue
            best[q] = w
            if hn == hv.size:
                hv, ha, hi, hd = _heap_grow(hv, ha, hi, hd)
            _heap_push(hv, ha, hi, hd, hn, w, age, q, e)
            hn += 1
            age += 1


@jit
def _grow_same_label(out, offsets, good, stack, top):
    """Mark ``good`` everything joined to the stacked pixels through equal labels."""
    while top > 0:
        top -= 1
        p = stack[top]
        for o in offsets:
            q = p + o
            if not good[q] and out[q] == out[p]:
                good[q] = 1
                stack[top] = q
                top += 1


@jit
def _connect_strays(out, offsets, seeds, good, stack):
    """Make every region connected after flooding with watershed lines.

    A line pixel still queues its neighbours with its pending label (Meyer's and
    scikit-image's rule), so part of a basin can be reached only through a line and
    end up cut off from its region.  Such a part gets back the line pixel that cuts
    it off (a line pixel touching it and its region); parts cut off by more than
    one line pixel become lines.  Returns the number of pixels changed."""
    top = 0
    for s in seeds:
        if not good[s]:
            good[s] = 1
            stack[top] = s
            top += 1
    _grow_same_label(out, offsets, good, stack, top)
    changed = 0
    again = True
    while again:
        again = False
        for p in range(out.size):
            lab = out[p]
            if lab <= 0 or good[p]:
                continue
            for o in offsets:
                b = p + o
                if out[b] != LINE:
                    continue
                for o2 in offsets:
                    r = b + o2
                    if good[r] and out[r] == lab:
                        out[b] = lab  # grow from the bridge: p and all it now joins
                        good[b] = 1
                        stack[0] = b
                        _grow_same_label(out, offsets, good, stack, 1)
                        changed += 1
                        again = True
                        break
                if good[p]:
                    break
    for p in range(out.size):
        if out[p] > 0 and not good[p]:
            out[p] = LINE
            changed += 1
    return changed


# ------------------------------------------------------------------ markers

@jit
def _regional_minima(elev, mask, offsets, is_min, stack):
    """Clear ``is_min`` (initialised to ``mask``) on every pixel joined to a strictly
    lower pixel through a path of equal values; the rest are regional minima."""
    top = 0
    for p in range(elev.size):
        if not mask[p]:
            continue
        v = elev[p]
        for o in offsets:
            q = p + o
            if mask[q] and elev[q] < v:
                is_min[p] = 0
                stack[top] = p
                top += 1
                break
    while top > 0:
        top -= 1
        p = stack[top]
        v = elev[p]
        for o in offsets:
            q = p + o
            if is_min[q] and elev[q] == v:
                is_min[q] = 0
                stack[top] = q
                top += 1


@jit
def _reconstruct_erosion(seed, image, mask, offsets, queue, queued):
    """Greyscale reconstruction by erosion of ``seed`` (>= ``image``) over ``image``,
    in place in ``seed``: Vincent's hybrid algorithm (IEEE TIP 2(2), 1993), a raster
    and an anti-raster scan followed by FIFO propagation.  Only min/max are used, so
    the result is exact.  Pixels with ``mask == 0`` must hold the dtype's maximum
    in both arrays (they then never lower anything)."""
    n = seed.size
    before = offsets[offsets < 0]
    after = offsets[offsets > 0]
    for p in range(n):  # raster scan: neighbours before p
        if mask[p]:
            m = seed[p]
            for o in before:
                m = min(m, seed[p + o])
            seed[p] = max(m, image[p])
    qt = 0
    for p in range(n - 1, -1, -1):  # anti-raster scan: neighbours after p
        if not mask[p]:
            continue
        m = seed[p]
        for o in after:
            m = min(m, seed[p + o])
        m = max(m, image[p])
        seed[p] = m
        for o in after:
            x = seed[p + o]
            if x > m and x > image[p + o]:
                queue[qt] = p
                qt += 1
                queued[p] = 1
                break
    qh = 0
    count = qt
    while count > 0:
        p = queue[qh]
        qh = qh + 1 if qh + 1 < n else 0
        count -= 1
        queued[p] = 0
        m = seed[p]
        for o in offsets:
            q = p + o
            x = seed[q]
            if x > m and image[q] != x:
                seed[q] = max(m, image[q])
                if not queued[q]:
                    queued[q] = 1
                    queue[qt] = q
                    qt = qt + 1 if qt + 1 < n else 0
                    count += 1
