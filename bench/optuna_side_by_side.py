#!/usr/bin/python3
"""Optuna's samplers on lgt's benchmark problems, in the format of bench/tuning.ts.

The reference a user would pick instead, run on exactly lgt's objectives with the same seeds,
budget and definitions (best so far over completed trials; regret = best - optimum on the
functions, the noisy one scored by its value without noise; normalized regret
(max - best) / (max - min) on LCBench, the range from instance_target_statistics.csv; AUC =
mean regret over trials 1..budget). For benchmarks only: Debian's python3-optuna (3.1),
python3-scipy; never a test dependency.

- The five functions are re-implemented here and checked equal to lgt's (through
  bench/objective-server.ts) to 1e-9 on 200 random points each before anything runs.
- LCBench is evaluated by lgt's own surrogate code in one Node process (bench/objective-server.ts).

  /usr/bin/python3 bench/optuna_side_by_side.py --problems bench:branin,bench:lcbench/167168 \
      --samplers tpe,tpe-mv,cmaes,random,qmc --seeds 20 --budget 100 --out /tmp/optuna

Writes <out>/tuning.csv (task,strategy,seed,trial,value,best_so_far: the same columns as
bench/tuning.ts, best_so_far being the regret) and <out>/tuning-summary.md.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import optuna

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BENCHMARKS = os.environ.get(
    "LGT_BENCHMARKS_DIR", os.path.join(REPO, "..", "shared", "benchmarks")
)
LCBENCH = os.path.join(BENCHMARKS, "yahpo", "lcbench")


# --- lgt's benchmark functions (tasks/benchmark-functions.ts), re-implemented ---------------

def branin(x1, x2):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


BRANIN_OPTIMUM = 0.397887357729739
H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [v * 1e-4 for v in row]
    for row in [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
]
HARTMANN6_OPTIMUM = -3.32236801141551


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2
        total += H6_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def mixed(c):
    scaling = {"standard": 0, "minmax": 0.3, "none": 0.6}.get(c["scaling"], 1)
    if c["family"] == "branin":
        return branin(c["bx1"], c["bx2"]) - BRANIN_OPTIMUM + scaling
    if c["family"] == "sphere":
        s = sum((c[n] - 0.3) ** 2 for n in ("s1", "s2", "s3"))
        return 0.5 + s + 0.25 * abs(c["depth"] - 3) + scaling
    return 1 + (c["q"] - 1.5) ** 2 + scaling


NOISE_SD = 0.1
H6 = [f"x{i}" for i in range(1, 7)]
R10 = [f"x{i}" for i in range(1, 11)]


def suggest_mixed(trial):
    c = {
        "family": trial.suggest_categorical("family", ["quadratic", "sphere", "branin"]),
        "scaling": trial.suggest_categorical("scaling", ["none", "minmax", "standard"]),
    }
    # Conditional dimensions, suggested only when their family is chosen (as lgt's `when`).
    if c["family"] == "quadratic":
        c["q"] = trial.suggest_float("q", -5, 5)
    elif c["family"] == "sphere":
        for n in ("s1", "s2", "s3"):
            c[n] = trial.suggest_float(n, -2, 2)
        c["depth"] = trial.suggest_int("depth", 1, 6)
    else:
        c["bx1"] = trial.suggest_float("bx1", -5, 10)
        c["bx2"] = trial.suggest_float("bx2", 0, 15)
    return c


FUNCTIONS = {
    "bench:branin": dict(
        optimum=BRANIN_OPTIMUM,
        suggest=lambda t: {"x1": t.suggest_float("x1", -5, 10), "x2": t.suggest_float("x2", 0, 15)},
        f=lambda c: branin(c["x1"], c["x2"]),
    ),
    "bench:hartmann6": dict(
        optimum=HARTMANN6_OPTIMUM,
        suggest=lambda t: {n: t.suggest_float(n, 0, 1) for n in H6},
        f=lambda c: hartmann6([c[n] for n in H6]),
    ),
    "bench:rosenbrock10": dict(
        optimum=0.0,
        suggest=lambda t: {n: t.suggest_float(n, -5, 10) for n in R10},
        f=lambda c: rosenbrock([c[n] for n in R10]),
    ),
    "bench:hartmann6-noisy": dict(
        optimum=HARTMANN6_OPTIMUM,
        suggest=lambda t: {n: t.suggest_float(n, 0, 1) for n in H6},
        f=lambda c: hartmann6([c[n] for n in H6]),
        noisy=True,
    ),
    "bench:mixed": dict(optimum=0.0, suggest=suggest_mixed, f=mixed),
}


def random_point(problem, rng):
    if problem in ("bench:branin",):
        return {"x1": rng.uniform(-5, 10), "x2": rng.uniform(0, 15)}
    if problem in ("bench:hartmann6", "bench:hartmann6-noisy"):
        return {n: rng.uniform(0, 1) for n in H6}
    if problem == "bench:rosenbrock10":
        return {n: rng.uniform(-5, 10) for n in R10}
    family = rng.choice(["quadratic", "sphere", "branin"])
    c = {"family": str(family), "scaling": str(rng.choice(["none", "minmax", "standard"]))}
    if family == "quadratic":
        c["q"] = rng.uniform(-5, 5)
    elif family == "sphere":
        c.update({n: rng.uniform(-2, 2) for n in ("s1", "s2", "s3")})
        c["depth"] = int(rng.integers(1, 7))
    else:
        c.update({"bx1": rng.uniform(-5, 10), "bx2": rng.uniform(0, 15)})
    return c


# --- lgt's objectives in one Node process ----------------------------------------------------

class LgtObjectives:
    """bench/objective-server.ts: one request per line in, one answer per line out."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["npx", "tsx", os.path.join(HERE, "objective-server.ts")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={**os.environ, "LGT_BENCHMARKS_DIR": BENCHMARKS},
        )

    def __call__(self, task, config):
        self.proc.stdin.write(json.dumps({"task": task, "config": config}) + "\n")
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"{task}: {answer['error']}")
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def check_functions(lgt, problems):
    """Our copies agree with lgt's own code to 1e-9, or nothing runs."""
    rng = np.random.default_rng(0)
    for p in problems:
        if p not in FUNCTIONS:
            continue
        worst = 0.0
        for _ in range(200):
            c = random_point(p, rng)
            mine = FUNCTIONS[p]["f"](c)
            # The noisy one's noiseless value (true_value) is what is compared.
            metrics = lgt(p, c)["metrics"]
            theirs = metrics.get("true_value", metrics["value"])
            worst = max(worst, abs(mine - theirs) / max(1.0, abs(theirs)))
        if worst > 1e-9:
            sys.exit(f"{p}: this copy differs from lgt's by {worst:.3g} (relative): fix it first")
        print(f"{p}: equal to lgt's on 200 random points (largest relative difference {worst:.1e})",
              file=sys.stderr)


# --- LCBench -----------------------------------------------------------------------------------

def lcbench_space():
    with open(os.path.join(LCBENCH, "config_space.json")) as f:
        params = json.load(f)["hyperparameters"]
    return [p for p in params if p["name"] not in ("OpenML_task_id", "epoch")]


def lcbench_range(instance, metric="val_accuracy"):
    lo = hi = None
    with open(os.path.join(LCBENCH, "instance_target_statistics.csv")) as f:
        for row in csv.DictReader(f):
            if row["scenario"] == "lcbench" and row["instance"] == instance and row["metric"] == metric:
                if row["statistic"] == "min":
                    lo = float(row["value"])
                elif row["statistic"] == "max":
                    hi = float(row["value"])
    return lo, hi


def suggest_lcbench(trial, space):
    c = {}
    for p in space:
        if p["type"] == "uniform_int":
            c[p["name"]] = trial.suggest_int(p["name"], p["lower"], p["upper"], log=p["log"])
        else:
            c[p["name"]] = trial.suggest_float(p["name"], p["lower"], p["upper"], log=p["log"])
    return c


# --- the samplers ------------------------------------------------------------------------------

def make_sampler(name, seed):
    s = optuna.samplers
    if name == "tpe":
        return s.TPESampler(seed=seed)
    if name == "tpe-mv":
        return s.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "cmaes":
        return s.CmaEsSampler(seed=seed)
    if name == "random":
        return s.RandomSampler(seed=seed)
    if name == "qmc":
        return s.QMCSampler(seed=seed, scramble=True)
    sys.exit(f"unknown sampler {name}; known: tpe, tpe-mv, cmaes, random, qmc")


def run(problem, sampler_name, seed, budget, lgt, space):
    """One study: the regret of the best so far after each trial (as bench/tuning.ts)."""
    if problem in FUNCTIONS:
        spec = FUNCTIONS[problem]
        direction = "minimize"
    else:
        lo, hi = lcbench_range(problem.split("/")[1])
        direction = "maximize"
    truths = {}

    def objective(trial):
        if problem in FUNCTIONS:
            c = spec["suggest"](trial)
            truth = spec["f"](c)
            if spec.get("noisy"):
                noise = np.random.default_rng(seed * 100_003 + trial.number).normal() * NOISE_SD
                truths[trial.number] = truth
                return truth + noise
            return truth
        return lgt(problem, suggest_lcbench(trial, space))["value"]

    study = optuna.create_study(direction=direction, sampler=make_sampler(sampler_name, seed))
    study.optimize(objective, n_trials=budget)
    values, regrets = [], []
    best, scored = None, math.nan
    for t in study.trials:
        v = t.value if t.state == optuna.trial.TrialState.COMPLETE else None
        values.append(v)
        if v is not None and (best is None or (v < best if direction == "minimize" else v > best)):
            best = v
            if problem in FUNCTIONS:
                scored = truths.get(t.number, v) - spec["optimum"]
            else:
                scored = (hi - v) / (hi - lo)
        regrets.append(scored)
    return values, regrets


def mean_std(xs):
    xs = [x for x in xs if math.isfinite(x)]
    m = sum(xs) / max(1, len(xs))
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / max(1, len(xs)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", default="bench:branin,bench:hartmann6,bench:rosenbrock10,bench:hartmann6-noisy,bench:mixed")
    ap.add_argument("--samplers", default="tpe,tpe-mv,cmaes,random,qmc")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--out", default="bench/results/optuna")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    problems = args.problems.split(",")
    samplers = args.samplers.split(",")
    os.makedirs(args.out, exist_ok=True)
    lgt = LgtObjectives()
    check_functions(lgt, problems)
    space = lcbench_space() if any(p.startswith("bench:lcbench/") for p in problems) else None
    rows = [["task", "strategy", "seed", "trial", "value", "best_so_far"]]
    summary = []
    checkpoints = sorted({b for b in (10, 20, 50, 100) if b <= args.budget} | {args.budget})
    for problem in problems:
        table = [["strategy", *[f"regret @{b}" for b in checkpoints], f"AUC (mean regret, 1..{args.budget})"]]
        for name in samplers:
            started = time.time()
            curves = []
            for seed in range(args.seeds):
                values, regrets = run(problem, name, seed, args.budget, lgt, space)
                curves.append(regrets)
                for i, (v, r) in enumerate(zip(values, regrets)):
                    rows.append([problem, f"optuna-{name}", seed, i + 1, "" if v is None else v, r])
            fmt = lambda m: f"{m[0]:.3g} ± {m[1]:.2g}"
            table.append([f"optuna-{name}",
                          *[fmt(mean_std([c[b - 1] for c in curves])) for b in checkpoints],
                          fmt(mean_std([sum(c) / len(c) for c in curves]))])
            print(f"  {problem} optuna-{name}: {args.seeds} seeds in {time.time() - started:.0f} s, "
                  f"regret @{args.budget} {mean_std([c[-1] for c in curves])[0]:.3g}", file=sys.stderr)
        summary += [f"### {problem}: regret (lower is better), mean ± std over {args.seeds} seeds", "",
                    "| " + " | ".join(table[0]) + " |", "|" + "|".join("---" for _ in table[0]) + "|",
                    *["| " + " | ".join(r) + " |" for r in table[1:]], ""]
    lgt.close()
    with open(os.path.join(args.out, "tuning.csv"), "w", newline="") as f:
        csv.writer(f).writerows(rows)
    text = "\n".join(summary + [f"(Optuna {optuna.__version__}; {' '.join(sys.argv)})"])
    with open(os.path.join(args.out, "tuning-summary.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
