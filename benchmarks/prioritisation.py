"""Time the exact optimiser for 50, 200 and 1 000 candidates beside a greedy floor.

Run: .venv/bin/python benchmarks/prioritisation.py
The candidates are drawn with a fixed seed like the city's applications: requested amounts in
whole thousands of kronor from 100 000 to 15 000 000 kr, a strategic score 0–100, one in
five implementations requiring a feasibility study among the candidates, and the budget the
demo envelope's 252,1 MSEK left on 1 March 2010. For each size it prints the median time of
the exact solve (dynamic programming, rules.solve) and of a greedy value-per-krona sort of the
same candidates in the same run (rules.greedy: fast, not exact), their ratio, and how much
value the greedy floor leaves behind; then the time of the whole efficient frontier (0 to
everything requested) where its table fits. Target: 1 000 candidates solved in under 2 s.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.prioritisation import rules  # noqa: E402

SIZES = (50, 200, 1_000)
BUDGET_SEK = 252_100_000
REPEATS = 3
TARGET_SECONDS = 2.0


def portfolio(size: int, seed: int = 14) -> list[rules.Candidate]:
    """Seeded candidates: feasibility studies (small) and implementations, some requiring one."""
    rng = random.Random(seed)
    candidates: list[rules.Candidate] = []
    studies: list[str] = []
    for index in range(size):
        key = f"c{index}"
        if rng.random() < 0.2:
            studies.append(key)
            candidates.append(rules.Candidate(key, 1_000 * rng.randint(100, 900),
                                              round(rng.uniform(0, 40), 2)))
            continue
        requires = (rng.choice(studies),) if studies and rng.random() < 0.25 else ()
        candidates.append(rules.Candidate(key, 1_000 * rng.randint(100, 15_000),
                                          round(rng.uniform(0, 100), 2), requires))
    return candidates


def timed(operation, *args) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds (CPU time shows the cost on a shared, busy machine)."""
    walls, cpus, result = [], [], None
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = operation(*args)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    budget = f"{BUDGET_SEK:,}".replace(",", " ")
    print(f"budget: {budget} kr; median of {REPEATS} runs; {os.cpu_count()} cores, "
          f"load average {load:.1f}")
    print(f"{'candidates':>10} {'exact s':>9} {'cpu s':>7} {'greedy s':>9} {'ratio':>8} "
          f"{'exact value':>12} {'greedy value':>13} {'greedy gap':>10} {'target':>7}")
    for size in SIZES:
        candidates = portfolio(size)
        exact_s, exact_cpu, exact = timed(rules.solve, candidates, BUDGET_SEK)
        greedy_s, _greedy_cpu, greedy = timed(rules.greedy, candidates, BUDGET_SEK)
        gap = (exact.total_value - greedy.total_value) / exact.total_value
        verdict = "ok" if exact_s < TARGET_SECONDS else "MISSED"
        print(f"{size:>10,} {exact_s:>9.3f} {exact_cpu:>7.3f} {greedy_s:>9.4f} "
              f"{exact_s / greedy_s:>7.0f}x {exact.total_value:>12.2f} "
              f"{greedy.total_value:>13.2f} {gap:>9.2%} {verdict:>7}")
    print()
    print(f"{'candidates':>10} {'frontier s':>11} {'points':>7}  (budget 0 … everything requested)")
    for size in SIZES:
        candidates = portfolio(size)
        total = sum(candidate.cost_sek for candidate in candidates)
        try:
            frontier_s, _frontier_cpu, evaluation = timed(rules.evaluate, candidates, total)
        except rules.PrioritisationError as refused:
            print(f"{size:>10,} {'refused':>11}  {refused.message}")
            continue
        print(f"{size:>10,} {frontier_s:>11.3f} {len(evaluation.frontier):>7,}")


if __name__ == "__main__":
    main()
