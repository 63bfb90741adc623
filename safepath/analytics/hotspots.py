"""Hotspots that mean something: the Getis-Ord Gi* statistic on an H3 grid, and placements
whose activity changed against their own history.

Gi* (Getis and Ord, 1992; Ord and Getis, 1995) compares the scans in a cell and its
neighbours with what the whole study area would lead one to expect. It is computed here in
closed form with numpy, the same analytical z-score PySAL's ``esda.G_Local(star=True)``
reports with binary weights; PySAL itself would bring geopandas, pandas, scikit-learn and
scipy into the server for one formula. The study area is the set of cells that hold at least
one placement (scans can only happen where a code hangs); a cell's neighbours are the other
study cells within ``rings`` hexagon rings, the cell itself included (the "star").

Many cells are tested at once, so p-values are corrected for the false discovery rate
(Benjamini-Hochberg): on data with no real cluster, nothing is marked, rather than one cell in
twenty by chance.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Confidence levels shown, strongest first: (level in percent, largest adjusted p-value).
LEVELS = ((99, 0.01), (95, 0.05), (90, 0.10))


@dataclass(frozen=True)
class CellResult:
    cell: str
    count: float
    z: float
    p: float  # two-sided p-value, corrected for the number of cells tested
    confidence: int  # 99, 95, 90, or 0 when not significant
    kind: str  # "hot", "cold" or ""


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Adjusted p-values controlling the false discovery rate."""
    n = len(p_values)
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: p_values[i])
    adjusted = [1.0] * n
    running = 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * n / rank)
        adjusted[i] = min(running, 1.0)
    return adjusted


def _confidence(p: float) -> int:
    for level, limit in LEVELS:
        if p <= limit:
            return level
    return 0


@functools.lru_cache(maxsize=16384)  # pure; the same cells page after page
def _disk(cell: str, rings: int) -> tuple[str, ...]:
    import h3

    return tuple(h3.grid_disk(cell, rings))


@functools.lru_cache(maxsize=16384)  # pure; the same cells page after page
def cell_boundary(cell: str) -> tuple[tuple[float, float], ...]:
    """The corners of an H3 cell, (latitude, longitude) each."""
    import h3

    return tuple((float(p[0]), float(p[1])) for p in h3.cell_to_boundary(cell))


@functools.lru_cache(maxsize=16384)  # pure; placements stay where they are
def cell_of(latitude: float, longitude: float, resolution: int) -> str:
    """The H3 cell of a point."""
    import h3

    return str(h3.latlng_to_cell(latitude, longitude, resolution))


@functools.lru_cache(maxsize=64)  # pure; an organization's cells are the same page after page
def _neighbours(cells: tuple[str, ...], rings: int) -> tuple[tuple[int, ...], ...]:
    """For each cell, the positions in ``cells`` of the cells within ``rings`` of it (itself
    included)."""
    index = {cell: i for i, cell in enumerate(cells)}
    return tuple(tuple(index[c] for c in _disk(cell, rings) if c in index) for cell in cells)


def gi_star(counts: Mapping[str, float], *, rings: int = 1) -> list[CellResult]:
    """Gi* z-scores and FDR-corrected significance for every cell in ``counts``.

    ``counts`` maps H3 cells (the study area) to their activity. Fewer than three cells, or
    cells that all hold the same value, give no significance at all.
    """
    import numpy as np

    cells = sorted(counts)
    n = len(cells)
    if n < 3:
        return [CellResult(c, float(counts[c]), 0.0, 1.0, 0, "") for c in cells]
    x = np.array([float(counts[c]) for c in cells])
    mean = x.mean()
    s = math.sqrt(max((x**2).mean() - mean**2, 0.0))
    if s == 0:
        return [CellResult(c, float(counts[c]), 0.0, 1.0, 0, "") for c in cells]
    values = x.tolist()
    z_scores = []
    for neighbours in _neighbours(tuple(cells), rings):
        w_sum = len(neighbours)  # binary weights, self included
        # Counts are whole numbers: any order of adding them gives the same float.
        local = sum([values[i] for i in neighbours])
        denominator = s * math.sqrt((n * w_sum - w_sum**2) / (n - 1))
        z_scores.append(0.0 if denominator == 0 else (local - mean * w_sum) / denominator)
    adjusted = benjamini_hochberg([normal_two_sided_p(z) for z in z_scores])
    results = []
    for cell, z, p in zip(cells, z_scores, adjusted, strict=True):
        confidence = _confidence(p)
        kind = ("hot" if z > 0 else "cold") if confidence else ""
        results.append(CellResult(cell, float(counts[cell]), float(z), p, confidence, kind))
    return results


# Change against a placement's own history ------------------------------------------------


def _log_binom_pmf(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def binomial_tail(k: int, n: int, p: float, *, upper: bool) -> float:
    """P(X >= k) (upper) or P(X <= k) for X ~ Binomial(n, p), summed in log space."""
    terms = range(k, n + 1) if upper else range(0, k + 1)
    logs = [_log_binom_pmf(i, n, p) for i in terms]
    if not logs:
        return 0.0
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


@functools.lru_cache(maxsize=65536)  # pure; placements' counts recur page after page
def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Twice the smaller tail of Binomial(n, p) at k, capped at 1.

    Only the smaller tail is summed, outward from k, until the terms no longer matter:
    terms shrink geometrically away from the mean, so this costs a few times sqrt(n) steps
    rather than n (a placement with thousands of scans stays cheap).
    """
    if n == 0:
        return 1.0
    upper = k >= n * p
    term, total, i = 1.0, 1.0, k
    odds = p / (1 - p)
    while True:
        if upper:
            if i == n:
                break
            term *= (n - i) / (i + 1) * odds
            i += 1
        else:
            if i == 0:
                break
            term *= i / (n - i + 1) / odds
            i -= 1
        total += term
        if term < 1e-12 * total:
            break
    return min(1.0, 2 * math.exp(_log_binom_pmf(k, n, p)) * total)


@dataclass(frozen=True)
class ChangeResult:
    key: Any
    recent: int
    baseline: int
    expected: float  # recent count expected from the baseline rate
    p: float  # corrected
    confidence: int
    direction: str  # "up", "down" or ""


def changes_against_history(
    series: Mapping[Any, tuple[int, int]], *, recent_days: int, baseline_days: int
) -> list[ChangeResult]:
    """Which keys' recent counts differ from their own baseline rate beyond chance.

    ``series`` maps a key (a placement) to (count in the recent window, count in the baseline
    window just before it). Given the total n of both windows, a steady rate puts each event
    in the recent window with probability recent_days / (recent_days + baseline_days): an
    exact conditional binomial test of two Poisson rates, two-sided, FDR-corrected over keys.
    """
    share = recent_days / (recent_days + baseline_days)
    keys = list(series)
    raw = []
    # Placements often share their two counts (thousands of them, similar rates): each
    # distinct pair is tested once.
    tested: dict[tuple[int, int], float] = {}
    for key in keys:
        recent, baseline = series[key]
        p = tested.get((recent, baseline))
        if p is None:
            p = tested[(recent, baseline)] = binomial_two_sided(recent, recent + baseline, share)
        raw.append(p)
    adjusted = benjamini_hochberg(raw)
    results = []
    for key, p in zip(keys, adjusted, strict=True):
        recent, baseline = series[key]
        expected = baseline * recent_days / baseline_days
        confidence = _confidence(p)
        direction = ("up" if recent > expected else "down") if confidence else ""
        results.append(ChangeResult(key, recent, baseline, expected, p, confidence, direction))
    return results
