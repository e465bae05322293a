/**
 * Adam (Kingma and Ba, 2015) on a plain vector: the update ZO and f-DPG share. Written once so
 * that both move their parameters by the same arithmetic (and a fix reaches both).
 */
export interface AdamState {
  m: number[];
  v: number[];
  /** Steps taken so far (bias correction). */
  t: number;
}

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
}

export function newAdamState(size: number): AdamState {
  return { m: new Array<number>(size).fill(0), v: new Array<number>(size).fill(0), t: 0 };
}

/** One step: returns the moved parameters and updates the moments in `state`. */
export function adamStep(
  x: readonly number[],
  g: readonly number[],
  state: AdamState,
  opts: AdamOptions,
): number[] {
  state.t += 1;
  const { beta1, beta2, learningRate } = opts;
  return x.map((xi, j) => {
    state.m[j] = beta1 * state.m[j]! + (1 - beta1) * g[j]!;
    state.v[j] = beta2 * state.v[j]! + (1 - beta2) * g[j]! * g[j]!;
    const mHat = state.m[j]! / (1 - beta1 ** state.t);
    const vHat = state.v[j]! / (1 - beta2 ** state.t);
    return xi - (learningRate * mHat) / (Math.sqrt(vHat) + 1e-8);
  });
}
