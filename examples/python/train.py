#!/usr/bin/env python3
"""A training script of your own, in plain Python (standard library only), tuned by lgt.

It trains a one-hidden-layer network on the iris data by mini-batch gradient descent and prints
one JSON line per epoch ({"epoch": 3, "loss": ..., "val_loss": ..., "val_accuracy": ...}); lgt
reads those lines as the learning curve, prunes on them, and takes the last as the result.

    lgt run --command 'python3 examples/python/train.py --lr {lr} --hidden {hidden} --epochs {epochs} --seed {seed}' \
        --space examples/python/space.yaml --strategy tpe --trials 30 --pruner median

Settings come as arguments ({placeholders}); the whole configuration is also in LGT_CONFIG (JSON),
which is how this script reads the optional ones (weight_decay, activation, optimizer, momentum).
With LGT_FINAL=1 (the campaign's one final run of its best configuration) it also scores the
test rows, as test_loss: never used for a tuning decision.
"""
import argparse
import csv
import json
import math
import os
import random
import sys


def find_iris(given):
    candidates = [given] if given else []
    for d in os.environ.get("LGT_DATA_DIR", "").split(os.pathsep):
        if d:
            candidates.append(os.path.join(d, "iris.csv"))
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "..", "shared", "datasets", "iris.csv"))
    for c in candidates:
        if c and os.path.exists(c):
            return c
    sys.exit("iris.csv not found: pass --data <file> or set LGT_DATA_DIR to its directory")


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    species = sorted({r["Species"] for r in rows})
    xs = [[float(r[c]) for c in ("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")] for r in rows]
    ys = [species.index(r["Species"]) for r in rows]
    return xs, ys, len(species)


def split(xs, ys):
    # Fixed split (seed 0): 60% train, 20% validation, 20% test; features standardized on train.
    order = list(range(len(xs)))
    random.Random(0).shuffle(order)
    n = len(order)
    parts = order[: int(0.6 * n)], order[int(0.6 * n) : int(0.8 * n)], order[int(0.8 * n) :]
    train = parts[0]
    means = [sum(xs[i][j] for i in train) / len(train) for j in range(4)]
    stds = [math.sqrt(sum((xs[i][j] - means[j]) ** 2 for i in train) / len(train)) or 1.0 for j in range(4)]
    norm = lambda x: [(x[j] - means[j]) / stds[j] for j in range(4)]
    return [([norm(xs[i]) for i in p], [ys[i] for i in p]) for p in parts]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data")
    args = parser.parse_args()
    config = json.loads(os.environ.get("LGT_CONFIG", "{}"))
    decay = float(config.get("weight_decay", 0.0))
    act_name = config.get("activation", "tanh")
    momentum = float(config.get("momentum", 0.0)) if config.get("optimizer") == "momentum" else 0.0

    xs, ys, classes = load(find_iris(args.data))
    (tx, ty), (vx, vy), (sx, sy) = split(xs, ys)
    rng = random.Random(args.seed)
    h = args.hidden
    w1 = [[rng.gauss(0, 1 / math.sqrt(4)) for _ in range(h)] for _ in range(4)]
    b1 = [0.0] * h
    w2 = [[rng.gauss(0, 1 / math.sqrt(h)) for _ in range(classes)] for _ in range(h)]
    b2 = [0.0] * classes
    vel = {"w1": [[0.0] * h for _ in range(4)], "b1": [0.0] * h, "w2": [[0.0] * classes for _ in range(h)], "b2": [0.0] * classes}
    act = (lambda z: math.tanh(z)) if act_name == "tanh" else (lambda z: max(0.0, z))
    dact = (lambda a, z: 1 - a * a) if act_name == "tanh" else (lambda a, z: 1.0 if z > 0 else 0.0)

    def forward(x):
        z1 = [sum(x[i] * w1[i][j] for i in range(4)) + b1[j] for j in range(h)]
        a1 = [act(z) for z in z1]
        z2 = [sum(a1[j] * w2[j][k] for j in range(h)) + b2[k] for k in range(classes)]
        m = max(z2)
        e = [math.exp(z - m) for z in z2]
        s = sum(e)
        return z1, a1, [v / s for v in e]

    def evaluate(x, y):
        loss = correct = 0
        for xi, yi in zip(x, y):
            p = forward(xi)[2]
            loss -= math.log(max(p[yi], 1e-12))
            correct += max(range(classes), key=lambda k: p[k]) == yi
        return loss / len(x), correct / len(x)

    order = list(range(len(tx)))
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(order)
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            g = {"w1": [[0.0] * h for _ in range(4)], "b1": [0.0] * h, "w2": [[0.0] * classes for _ in range(h)], "b2": [0.0] * classes}
            for idx in batch:
                x, y = tx[idx], ty[idx]
                z1, a1, p = forward(x)
                d2 = [p[k] - (1.0 if k == y else 0.0) for k in range(classes)]
                for j in range(h):
                    for k in range(classes):
                        g["w2"][j][k] += a1[j] * d2[k]
                for k in range(classes):
                    g["b2"][k] += d2[k]
                d1 = [sum(w2[j][k] * d2[k] for k in range(classes)) * dact(a1[j], z1[j]) for j in range(h)]
                for i in range(4):
                    for j in range(h):
                        g["w1"][i][j] += x[i] * d1[j]
                for j in range(h):
                    g["b1"][j] += d1[j]
            n = len(batch)
            for i in range(4):
                for j in range(h):
                    vel["w1"][i][j] = momentum * vel["w1"][i][j] - args.lr * (g["w1"][i][j] / n + decay * w1[i][j])
                    w1[i][j] += vel["w1"][i][j]
            for j in range(h):
                vel["b1"][j] = momentum * vel["b1"][j] - args.lr * g["b1"][j] / n
                b1[j] += vel["b1"][j]
                for k in range(classes):
                    vel["w2"][j][k] = momentum * vel["w2"][j][k] - args.lr * (g["w2"][j][k] / n + decay * w2[j][k])
                    w2[j][k] += vel["w2"][j][k]
            for k in range(classes):
                vel["b2"][k] = momentum * vel["b2"][k] - args.lr * g["b2"][k] / n
                b2[k] += vel["b2"][k]
        loss, _ = evaluate(tx, ty)
        val_loss, val_accuracy = evaluate(vx, vy)
        line = {"epoch": epoch, "loss": loss, "val_loss": val_loss, "val_accuracy": val_accuracy}
        if epoch == args.epochs and os.environ.get("LGT_FINAL") == "1":
            line["test_loss"], line["test_accuracy"] = evaluate(sx, sy)
        print(json.dumps(line))
        # Anything else the script prints is its own log; lgt keeps only the JSON lines.
        print(f"epoch {epoch} done", file=sys.stderr)


if __name__ == "__main__":
    main()
