"""The hotspot statistics on constructed data: a planted cluster is found, uniform data finds
nothing, and a placement's jump against its own history is told apart from noise."""

from __future__ import annotations

import random

import h3
import pytest

from safepath.analytics.hotspots import (
    benjamini_hochberg,
    binomial_tail,
    changes_against_history,
    gi_star,
)

CENTER = h3.latlng_to_cell(41.8781, -87.6298, 8)


def study_area(radius: int = 7) -> list[str]:
    return sorted(h3.grid_disk(CENTER, radius))


def poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: enough for small means, no extra dependency in the test.
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def test_a_planted_cluster_is_found_at_99_percent() -> None:
    rng = random.Random(14)
    cells = study_area()
    counts = {cell: float(poisson(rng, 5)) for cell in cells}
    cluster = h3.grid_disk(h3.grid_disk(CENTER, 3)[-1], 1)  # a cluster off the centre
    for cell in cluster:
        counts[cell] = float(30 + poisson(rng, 5))

    results = {r.cell: r for r in gi_star(counts, rings=1)}

    hot = {cell for cell, r in results.items() if r.kind == "hot"}
    assert set(cluster) <= hot
    assert all(results[c].confidence == 99 for c in cluster)
    # Only cells touching the cluster light up; the far side of the area stays quiet.
    touching = {n for c in cluster for n in h3.grid_disk(c, 1)}
    assert hot <= touching


def test_uniform_data_finds_no_hotspot_beyond_the_promised_error_rate() -> None:
    # Uniform data has no cluster. The correction keeps the chance that any cell at all is
    # marked at about the level's error rate: at 95 % confidence, about one dataset in twenty
    # may show a cell by chance, never more than a few cells, and 99 % almost never.
    datasets, marked_95, marked_99, most_cells = 60, 0, 0, 0
    for seed in range(datasets):
        rng = random.Random(seed)
        counts = {cell: float(poisson(rng, 8)) for cell in study_area()}
        results = gi_star(counts, rings=1)
        assert len(results) == len(counts)
        strong = [r for r in results if r.confidence >= 95]
        marked_95 += bool(strong)
        marked_99 += any(r.confidence == 99 for r in results)
        most_cells = max(most_cells, len(strong))
    assert marked_95 / datasets <= 0.1
    assert marked_99 / datasets <= 0.04
    assert most_cells <= 3


def test_uniform_data_finds_no_hotspot() -> None:
    rng = random.Random(0)
    counts = {cell: float(poisson(rng, 8)) for cell in study_area()}

    assert [r for r in gi_star(counts, rings=1) if r.confidence] == []


def test_equal_counts_or_too_few_cells_give_no_significance() -> None:
    assert all(r.confidence == 0 for r in gi_star(dict.fromkeys(study_area(2), 4.0)))
    assert all(r.confidence == 0 for r in gi_star({CENTER: 50.0, "8826bbb6c1fffff": 1.0}))


def test_gi_star_z_matches_the_textbook_formula_on_a_small_case() -> None:
    # Seven cells: the centre holds 10, its six neighbours 1 each; rings=1 makes every cell's
    # neighbourhood hold the centre, and the centre's hold all seven.
    ring = h3.grid_disk(CENTER, 1)
    counts = {c: (10.0 if c == CENTER else 1.0) for c in ring}
    results = {r.cell: r for r in gi_star(counts, rings=1)}
    # n = 7, mean = 16/7, S^2 = (100 + 6)/7 - (16/7)^2. For a neighbour of the centre: its
    # neighbourhood within the area is itself, the centre and two ring neighbours (w = 4).
    n, mean = 7, 16 / 7
    s = ((106 / 7) - mean**2) ** 0.5
    w = 4
    expected = (13 - mean * w) / (s * ((n * w - w * w) / (n - 1)) ** 0.5)
    neighbour = next(c for c in ring if c != CENTER)
    assert results[neighbour].z == pytest.approx(expected)


def test_benjamini_hochberg_adjusts_in_rank_order() -> None:
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == pytest.approx(
        [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5]
    )


def test_binomial_tail_sums_to_one_across_the_split() -> None:
    upper = binomial_tail(4, 10, 0.3, upper=True)
    lower = binomial_tail(3, 10, 0.3, upper=False)
    assert upper + lower == pytest.approx(1.0)


def test_a_placement_that_jumps_against_its_own_history_is_marked() -> None:
    series = {
        "steady": (10, 80),  # 10 a week, as in the 8 weeks before
        "jumped": (40, 80),  # four times its usual week
        "silent": (0, 160),  # 20 a week before, nothing now
        "tiny": (3, 8),  # a few scans: too few to say anything
    }
    results = {r.key: r for r in changes_against_history(series, recent_days=7, baseline_days=56)}

    assert results["steady"].confidence == 0
    assert results["jumped"].direction == "up" and results["jumped"].confidence == 99
    assert results["silent"].direction == "down" and results["silent"].confidence == 99
    assert results["tiny"].confidence == 0
    assert results["jumped"].expected == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("k", "n", "p"), [(40, 120, 1 / 9), (0, 160, 1 / 9), (3, 11, 1 / 9), (9, 90, 0.1)]
)
def test_the_fast_two_sided_test_matches_the_full_sums(k: int, n: int, p: float) -> None:
    from safepath.analytics.hotspots import binomial_two_sided

    full = min(
        1.0,
        2 * min(binomial_tail(k, n, p, upper=True), binomial_tail(k, n, p, upper=False)),
    )
    assert binomial_two_sided(k, n, p) == pytest.approx(full, rel=1e-9)
