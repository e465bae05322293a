#!/usr/bin/python3
"""lgt against Optuna, per problem and budget, from the CSVs of bench/tuning.ts and
bench/optuna_side_by_side.py (columns task,strategy,seed,trial,value,best_so_far, where
best_so_far is the regret of the best trial so far).

For each problem and budget: lgt's best sampler and Optuna's best (lowest mean regret at that
budget), the ratio of their mean regrets (lgt / Optuna: below 1, lgt is ahead), a two-sided
Mann-Whitney U test over the seeds, and who leads (at p < 0.05; "level" otherwise). Picking the
best of several samplers on each side is itself a selection, so the like-for-like table
(the same algorithm in both tools) follows.

  /usr/bin/python3 bench/side_by_side.py --lgt /tmp/lcbA/tuning.csv,/tmp/lcbB/tuning.csv \
      --optuna /tmp/optuna/tuning.csv --budgets 20,50,100
"""

import argparse
import csv
import math
from collections import defaultdict

from scipy.stats import mannwhitneyu

# lgt's TPE is multivariate by default, so Optuna's multivariate TPE (group=True) is its closest
# twin; Optuna's default (independent) TPE is what most Optuna users run.
LIKE_FOR_LIKE = [
    ("tpe", "optuna-tpe"),
    ("tpe", "optuna-tpe-mv"),
    ("cmaes", "optuna-cmaes"),
    ("random", "optuna-random"),
]


def read(paths):
    """regret[task][strategy][seed] = list of best-so-far regrets by trial."""
    out = defaultdict(lambda: defaultdict(dict))
    for p in paths:
        with open(p) as f:
            for row in csv.DictReader(f):
                curve = out[row["task"]][row["strategy"]].setdefault(int(row["seed"]), [])
                curve.append(float(row["best_so_far"]) if row["best_so_far"] != "" else math.nan)
    return out


def at(curves, budget):
    """Each seed's regret after `budget` trials; a sampler that stopped early (a grid smaller than
    the budget) keeps its last best, as bench/tuning.ts pads it."""
    values = [c[min(budget, len(c)) - 1] for c in curves.values() if c]
    return [v for v in values if math.isfinite(v)]


def mean(xs):
    return sum(xs) / len(xs) if xs else math.nan


def compare(a, b):
    """Ratio of means (a / b), Mann-Whitney p, and the leader."""
    ratio = mean(a) / mean(b) if mean(b) > 0 else (math.inf if mean(a) > 0 else 1.0)
    p = mannwhitneyu(a, b, alternative="two-sided").pvalue if a and b else math.nan
    lead = "level" if not p < 0.05 else ("lgt" if mean(a) < mean(b) else "Optuna")
    return ratio, p, lead


def fmt(x):
    return "-" if not math.isfinite(x) else f"{x:.3g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lgt", required=True, help="bench/tuning.ts CSVs, comma-separated")
    ap.add_argument("--optuna", required=True, help="bench/optuna_side_by_side.py CSVs, comma-separated")
    ap.add_argument("--budgets", default="20,50,100")
    args = ap.parse_args()
    lgt = read(args.lgt.split(","))
    optuna = read(args.optuna.split(","))
    budgets = [int(b) for b in args.budgets.split(",")]
    tasks = [t for t in lgt if t in optuna]
    lines = [
        "| problem | trials | lgt's best (mean regret) | Optuna's best (mean regret) | ratio lgt/Optuna | Mann-Whitney p | leads |",
        "|---|---|---|---|---|---|---|",
    ]
    leads = defaultdict(int)
    for task in tasks:
        for b in budgets:
            best_l = min(lgt[task], key=lambda s: mean(at(lgt[task][s], b)) if at(lgt[task][s], b) else math.inf)
            best_o = min(optuna[task], key=lambda s: mean(at(optuna[task][s], b)) if at(optuna[task][s], b) else math.inf)
            a, o = at(lgt[task][best_l], b), at(optuna[task][best_o], b)
            ratio, p, lead = compare(a, o)
            leads[lead] += 1
            lines.append(f"| {task} | {b} | {best_l} ({fmt(mean(a))}) | {best_o} ({fmt(mean(o))}) | {fmt(ratio)} | {fmt(p)} | {lead} |")
    lines += ["", f"Best against best: lgt leads in {leads['lgt']}, Optuna in {leads['Optuna']}, level in {leads['level']} of {sum(leads.values())} (problem, budget) cells.", ""]
    lines += [
        "| problem | trials | " + " | ".join(f"{l} vs {o}: ratio, p, leads" for l, o in LIKE_FOR_LIKE) + " |",
        "|---|---|" + "|".join("---" for _ in LIKE_FOR_LIKE) + "|",
    ]
    like = defaultdict(lambda: defaultdict(int))
    for task in tasks:
        for b in budgets:
            cells = []
            for l, o in LIKE_FOR_LIKE:
                if l not in lgt[task] or o not in optuna[task]:
                    cells.append("-")
                    continue
                ratio, p, lead = compare(at(lgt[task][l], b), at(optuna[task][o], b))
                like[f"{l} vs {o}"][lead] += 1
                cells.append(f"{fmt(ratio)}, {fmt(p)}, {lead}")
            lines.append(f"| {task} | {b} | " + " | ".join(cells) + " |")
    lines += [""] + [
        f"Like for like, {pair}: lgt leads in {c['lgt']}, Optuna in {c['Optuna']}, level in {c['level']}."
        for pair, c in like.items()
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
