#!/usr/bin/python3
"""Optuna's multi-objective samplers on lgt's trade-off benchmark, and the side-by-side table.

The problems are bench/multi-objective.ts's: YAHPO Gym's LCBench surrogate (evaluated by lgt's
own code in one Node process, bench/objective-server.ts), val_accuracy (max) against
val_cross_entropy (min) as the YAHPO-MO suite defines it ("ce"), and val_accuracy against the
surrogate's training time ("time"). Same seeds, same budget, one trial at a time. For
benchmarks only: Debian's python3-optuna (3.1), python3-scipy; never a test dependency.

  /usr/bin/python3 bench/optuna_multi_objective.py --instances 167152,167185,189873 \
      --pairs ce,time --samplers nsga2,tpe,random --seeds 20 --budget 100 \
      --out bench/results/multi-objective

Writes <out>/optuna.csv (the columns of bench/multi-objective.ts's lgt.csv), then reads both
and writes <out>/summary.md: the hypervolume of every sampler's trials after 50 and 100 trials,
mean +- standard deviation over the seeds, with each objective scaled to [0, 1] by the
instance's range in instance_target_statistics.csv (as losses: 0 best) and the reference point
[1, 1]; and for each lgt sampler the two-sided Mann-Whitney p against the best Optuna sampler.
--summarize-only skips the runs.
"""

import argparse
import csv
import json
import math
import os
import time
from collections import defaultdict

import optuna
from scipy.stats import mannwhitneyu

# The LCBench space, its suggestions and lgt's objective server, as the one-objective side by side has them.
from optuna_side_by_side import LgtObjectives, lcbench_space, suggest_lcbench

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BENCHMARKS = os.environ.get(
    "LGT_BENCHMARKS_DIR", os.path.join(REPO, "..", "shared", "benchmarks")
)
LCBENCH = os.path.join(BENCHMARKS, "yahpo", "lcbench")
SECOND = {"ce": ("val_cross_entropy", "val_cross_entropy"), "time": ("simulated_seconds", "time")}


def ranges(instance):
    out = defaultdict(dict)
    with open(os.path.join(LCBENCH, "instance_target_statistics.csv")) as f:
        for row in csv.DictReader(f):
            if row["scenario"] == "lcbench" and row["instance"] == instance:
                out[row["metric"]][row["statistic"]] = float(row["value"])
    return out


def make_sampler(name, seed):
    s = optuna.samplers
    if name == "nsga2":
        return s.NSGAIISampler(seed=seed)
    if name == "tpe":
        return s.TPESampler(seed=seed)
    if name == "random":
        return s.RandomSampler(seed=seed)
    raise SystemExit(f"unknown sampler {name}; known: nsga2, tpe, random")


def run(problem, sampler, seed, budget, lgt, space):
    instance, pair = problem.split("/")
    metric = SECOND[pair][0]
    rows = []

    def objective(trial):
        m = lgt(f"bench:lcbench/{instance}", suggest_lcbench(trial, space))["metrics"]
        rows.append((m["val_accuracy"], m[metric]))
        return m["val_accuracy"], m[metric]

    study = optuna.create_study(directions=["maximize", "minimize"], sampler=make_sampler(sampler, seed))
    started = time.time()
    study.optimize(objective, n_trials=budget)
    each = (time.time() - started) / budget
    return rows, each


def hypervolume_2d(points):
    """Both objectives as losses in [0, 1], reference [1, 1]; points outside add nothing."""
    inside = sorted((x, y) for x, y in points if x < 1 and y < 1)
    area, ceiling = 0.0, 1.0
    for x, y in inside:
        if y < ceiling:
            area += (1 - x) * (ceiling - y)
            ceiling = y
    return area


def summarize(out, budgets):
    trials = defaultdict(list)
    # lgt.csv, and any variant bench/multi-objective.ts wrote with --label (lgt-<label>.csv).
    names = sorted(n for n in os.listdir(out) if n.startswith("lgt") and n.endswith(".csv"))
    for name in names + ["optuna.csv"]:
        path = os.path.join(out, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for row in csv.DictReader(f):
                trials[(row["problem"], row["strategy"], int(row["seed"]))].append(
                    (int(row["trial"]), float(row["val_accuracy"]), float(row["second"]), float(row["seconds"])))
    problems = sorted({k[0] for k in trials})
    lines = ["# Trade-offs on LCBench: hypervolume (higher is better)", "",
             "Objectives scaled to [0, 1] by the instance's range (instance_target_statistics.csv), "
             "as losses; reference point [1, 1]. Mean ± standard deviation over seeds; p: two-sided "
             "Mann-Whitney of each lgt sampler against the best Optuna sampler at that budget, and against "
             "Optuna's sampler of the same kind where that is another.", ""]
    for problem in problems:
        instance, pair = problem.split("/")
        r = ranges(instance)
        acc, sec = r["val_accuracy"], r[SECOND[pair][1]]
        def scaled(a, s):
            return ((acc["max"] - a) / (acc["max"] - acc["min"]), (s - sec["min"]) / (sec["max"] - sec["min"]))
        strategies = sorted({k[1] for k in trials if k[0] == problem})
        hv = {}
        seconds = {}
        for s in strategies:
            for b in budgets:
                hv[(s, b)] = []
            seconds[s] = []
            for (p, name, seed), ts in trials.items():
                if p != problem or name != s:
                    continue
                ts.sort()
                for b in budgets:
                    hv[(s, b)].append(hypervolume_2d([scaled(a, x) for _, a, x, _ in ts[:b]]))
                seconds[s].append(sum(t[3] for t in ts) / len(ts))
        lines += [f"## {problem}", "", "| sampler | " + " | ".join(f"HV @{b}" for b in budgets) + " | s per trial |",
                  "|---|" + "---|" * (len(budgets) + 1)]
        best_optuna = {}
        for b in budgets:
            optunas = [s for s in strategies if s.startswith("optuna-")]
            if optunas:
                best_optuna[b] = max(optunas, key=lambda s: sum(hv[(s, b)]) / len(hv[(s, b)]))
        for s in strategies:
            cells = []
            for b in budgets:
                xs = hv[(s, b)]
                m = sum(xs) / len(xs)
                sd = math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))
                cell = f"{m:.4f} ± {sd:.4f}"
                if s.startswith("lgt-") and b in best_optuna:
                    p = mannwhitneyu(xs, hv[(best_optuna[b], b)], alternative="two-sided").pvalue
                    twin = "optuna-" + s[len("lgt-"):]
                    like = ""
                    if twin in strategies and twin != best_optuna[b]:
                        q = mannwhitneyu(xs, hv[(twin, b)], alternative="two-sided").pvalue
                        like = f"; p = {q:.2g} vs {twin}"
                    cell += f" (p = {p:.2g} vs {best_optuna[b]}{like})"
                cells.append(cell)
            sec_mean = sum(seconds[s]) / len(seconds[s])
            lines.append(f"| {s} | " + " | ".join(cells) + f" | {sec_mean:.4f} |")
        lines.append("")
    lines += pruning_lines(out)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(text)
    print(text)


def pruning_lines(out):
    """bench/multi-objective.ts --prune: each campaign without and with the multi-objective median
    rule (or ASHA for several objectives) at the same simulated training time; the hypervolume of
    the completed trials. Each pruning*.csv is read; a sampler without the pruner may appear in
    several (the same runs), and its rows are then counted once per seed."""
    paths = sorted(os.path.join(out, n) for n in os.listdir(out) if n.startswith("pruning") and n.endswith(".csv"))
    if not paths:
        return []
    runs = defaultdict(dict)
    for path in paths:
        with open(path) as f:
            for row in csv.DictReader(f):
                runs[(row["problem"], row["strategy"], int(row["seed"]))][row["trial"]] = row
    lines = ["# With and without the multi-objective median rule, at equal simulated training time", "",
             "Each seed's campaign without the pruner ran its trials; the one with it ran until it had "
             "spent the same simulated training time. Hypervolume of the completed trials (pruned ones "
             "have no full-run objectives), as above; p: two-sided Mann-Whitney against the same "
             "sampler without the pruner.", ""]
    for problem in sorted({k[0] for k in runs}):
        instance, pair = problem.split("/")
        r = ranges(instance)
        acc, sec = r["val_accuracy"], r[SECOND[pair][1]]
        lines += [f"## {problem}", "", "| sampler | HV | trials (completed + pruned) |", "|---|---|---|"]
        hvs = {}
        for s in sorted({k[1] for k in runs if k[0] == problem}):
            hv, completed, pruned = [], [], []
            for (p, name, seed), by_trial in runs.items():
                if p != problem or name != s:
                    continue
                rows = list(by_trial.values())
                done = [row for row in rows if row["state"] == "completed"]
                hv.append(hypervolume_2d([((acc["max"] - float(x["val_accuracy"])) / (acc["max"] - acc["min"]),
                                           (float(x["second"]) - sec["min"]) / (sec["max"] - sec["min"])) for x in done]))
                completed.append(len(done))
                pruned.append(len(rows) - len(done))
            hvs[s] = hv
            m = sum(hv) / len(hv)
            sd = math.sqrt(sum((x - m) ** 2 for x in hv) / len(hv))
            cell = f"{m:.4f} ± {sd:.4f}"
            base = s.split("+")[0]
            if "+" in s and base in hvs:
                p = mannwhitneyu(hv, hvs[base], alternative="two-sided").pvalue
                cell += f" (p = {p:.2g} vs without)"
            lines.append(f"| {s} | {cell} | {sum(completed) / len(completed):.0f} + {sum(pruned) / len(pruned):.0f} |")
        lines.append("")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", default="167152,167185,189873")
    ap.add_argument("--pairs", default="ce,time")
    ap.add_argument("--samplers", default="nsga2,tpe,random")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--out", default="bench/results/multi-objective")
    ap.add_argument("--summarize-only", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    budgets = sorted({b for b in (50, 100) if b <= args.budget} | {args.budget})
    if not args.summarize_only:
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        lgt = LgtObjectives()
        space = lcbench_space()
        rows = [["problem", "strategy", "seed", "trial", "val_accuracy", "second", "seconds"]]
        for instance in args.instances.split(","):
            for pair in args.pairs.split(","):
                for name in args.samplers.split(","):
                    started = time.time()
                    for seed in range(args.seeds):
                        trials, each = run(f"{instance}/{pair}", name, seed, args.budget, lgt, space)
                        for i, (a, x) in enumerate(trials):
                            rows.append([f"{instance}/{pair}", f"optuna-{name}", seed, i + 1, a, x, f"{each:.4f}"])
                    print(f"{instance}/{pair} optuna-{name}: {args.seeds} seeds in {time.time() - started:.1f} s", flush=True)
        lgt.close()
        with open(os.path.join(args.out, "optuna.csv"), "w", newline="") as f:
            csv.writer(f).writerows(rows)
    summarize(args.out, budgets)


if __name__ == "__main__":
    main()
