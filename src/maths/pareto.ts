/**
 * Pareto arithmetic on loss vectors: every objective is minimized (a metric to maximize is
 * negated first, see lossOf), so the samplers, the front, the pick and the pruner read one
 * convention. Points are arrays of equal length; none holds NaN (callers leave such trials out).
 */

/** Whether `a` dominates `b`: no worse in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sorting (Deb et al. 2002, NSGA-II): the indices of `points` in fronts,
 * front 0 dominated by none, front k dominated only by points of earlier fronts. Within a front
 * the indices keep their input order. O(m n^2) for n points of m objectives.
 */
export function nonDominatedFronts(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  const fronts: number[][] = [];
  let current = [...Array(n).keys()].filter((i) => dominatedBy[i] === 0);
  while (current.length) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current)
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** The indices of the points no other point dominates (the first front), in input order. */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  return nonDominatedFronts(points)[0] ?? [];
}

/**
 * NSGA-II's crowding distance of each point of one front: per objective, the gap between its
 * two neighbours scaled by the front's range, summed; the ends of each objective get Infinity so
 * the extremes always survive. Larger is lonelier, and is kept first.
 */
export function crowdingDistances(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const distance = new Array<number>(n).fill(0);
  if (n <= 2) return distance.fill(Infinity);
  const m = points[0]!.length;
  for (let k = 0; k < m; k++) {
    const order = [...Array(n).keys()].sort((a, b) => points[a]![k]! - points[b]![k]! || a - b);
    const low = points[order[0]!]![k]!;
    const high = points[order[n - 1]!]![k]!;
    distance[order[0]!] = Infinity;
    distance[order[n - 1]!] = Infinity;
    if (high === low) continue;
    for (let r = 1; r < n - 1; r++)
      distance[order[r]!]! +=
        (points[order[r + 1]!]![k]! - points[order[r - 1]!]![k]!) / (high - low);
  }
  return distance;
}

/**
 * A front's members (indices into the whole set, `points` their vectors in the same order) with
 * the loneliest first by crowding distance, ties to the lower index: NSGA-II's order within a
 * front, which its survival and multi-objective ASHA both read.
 */
export function byCrowding(
  front: readonly number[],
  points: readonly (readonly number[])[],
): number[] {
  const d = crowdingDistances(points);
  return [...front.keys()]
    .sort((a, b) => d[b]! - d[a]! || (d[a] === d[b] ? front[a]! - front[b]! : 0))
    .map((k) => front[k]!);
}

/**
 * The hypervolume the points dominate below `reference` (the Lebesgue measure of the union of
 * the boxes [p, reference]): exact in any dimension. Points not strictly better than the
 * reference in every objective add nothing. Two objectives are a sweep (O(n log n)); more are
 * sliced along the last objective into problems one dimension lower (HSO, While et al. 2006),
 * which is exact and fast enough for the few objectives and hundreds of points a campaign has.
 */
export function hypervolume(
  points: readonly (readonly number[])[],
  reference: readonly number[],
): number {
  const inside = points.filter((p) => p.every((v, i) => v < reference[i]!));
  if (!inside.length) return 0;
  return volume(
    paretoFront(inside).map((i) => inside[i]!),
    reference,
  );
}

function volume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const m = reference.length;
  if (m === 1) return reference[0]! - Math.min(...points.map((p) => p[0]!));
  if (m === 2) {
    const sorted = [...points].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let area = 0;
    let ceiling = reference[1]!;
    for (const [x, y] of sorted as number[][]) {
      if (y! >= ceiling) continue;
      area += (reference[0]! - x!) * (ceiling - y!);
      ceiling = y!;
    }
    return area;
  }
  // Slices between consecutive values of the last objective: in each, the points at or below
  // the slice's floor dominate a region whose (m-1)-dimensional volume is constant.
  const sorted = [...points].sort((a, b) => a[m - 1]! - b[m - 1]!);
  const lower = reference.slice(0, m - 1);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![m - 1]! : reference[m - 1]!;
    const depth = top - sorted[i]![m - 1]!;
    if (depth <= 0) continue;
    const slice = sorted.slice(0, i + 1).map((p) => p.slice(0, m - 1));
    total +=
      depth *
      volume(
        paretoFront(slice).map((j) => slice[j]!),
        lower,
      );
  }
  return total;
}

/** What each point alone adds to the hypervolume of the set (0 for a dominated point). */
export function hypervolumeContributions(
  points: readonly (readonly number[])[],
  reference: readonly number[],
): number[] {
  const all = hypervolume(points, reference);
  return points.map(
    (_, i) =>
      all -
      hypervolume(
        points.filter((__, j) => j !== i),
        reference,
      ),
  );
}

/**
 * Greedy hypervolume subset selection: `k` of the points, each step taking the one that adds
 * the most hypervolume to those already taken (ties to the lower index). What MOTPE splits the
 * boundary front with, and what keeps a front's spread when only some of it can be kept.
 * Returns the chosen indices in the order they were taken.
 */
export function greedyHypervolumeSubset(
  points: readonly (readonly number[])[],
  k: number,
  reference: readonly number[],
): number[] {
  const chosen: number[] = [];
  const left = new Set(points.keys());
  let base = 0;
  while (chosen.length < Math.min(k, points.length)) {
    let best = -1;
    let gain = -Infinity;
    for (const i of left) {
      const v =
        hypervolume(
          [...chosen, i].map((j) => points[j]!),
          reference,
        ) - base;
      if (v > gain) {
        gain = v;
        best = i;
      }
    }
    chosen.push(best);
    left.delete(best);
    base += gain;
  }
  return chosen;
}

/**
 * A reference point for hypervolumes when none is given: per objective, the worst value among
 * the points plus a tenth of the points' range (or of its magnitude, or 1, when the range is 0),
 * so the worst points on the front still add volume. The usual heuristic (e.g. pymoo, BoTorch's
 * nadir offset); a report states the point it used.
 */
export function nadirReference(points: readonly (readonly number[])[]): number[] {
  const m = points[0]!.length;
  return Array.from({ length: m }, (_, k) => {
    const values = points.map((p) => p[k]!);
    const high = Math.max(...values);
    const range = high - Math.min(...values);
    return high + 0.1 * (range > 0 ? range : Math.abs(high) > 0 ? Math.abs(high) : 1);
  });
}

/**
 * Each coordinate scaled to [0, 1] over the points (0 where all are equal): how a front's
 * objectives are compared with one another, whatever their units.
 */
export function scaledToRange(points: readonly (readonly number[])[]): number[][] {
  const m = points[0]?.length ?? 0;
  const low = Array.from({ length: m }, (_, k) => Math.min(...points.map((p) => p[k]!)));
  const high = Array.from({ length: m }, (_, k) => Math.max(...points.map((p) => p[k]!)));
  return points.map((p) =>
    p.map((v, k) => (high[k]! > low[k]! ? (v - low[k]!) / (high[k]! - low[k]!) : 0)),
  );
}

/**
 * The knee of a front: with each objective scaled to [0,1] over the front, the member farthest
 * below the line through the two ends of the front (two objectives; Das 1999's "normal boundary"
 * knee), and for three or more the member nearest the ideal point (every objective at its best).
 * The member that gives up least in one objective for what it gains in another. Returns an
 * index into `front`; ties go to the lower index.
 */
export function kneeIndex(front: readonly (readonly number[])[]): number {
  if (front.length <= 2) return 0;
  const m = front[0]!.length;
  const scaled = scaledToRange(front);
  let best = 0;
  let bestScore = -Infinity;
  scaled.forEach((p, i) => {
    // Two objectives: the ends are (0,1) and (1,0) after scaling, the line x + y = 1, and the
    // distance below it (1 - x - y) / sqrt(2); the constant factor does not change the order.
    const score = m === 2 ? 1 - p[0]! - p[1]! : -Math.hypot(...p);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}
