/**
 * A model lgt can only query (CBBT's setting): rows in, outputs and last-layer features out.
 * No weights, no gradients: what adapts it (output-adapter.ts, input-offset.ts) sees nothing
 * else, and every call is counted, since queries are what a hosted model charges for.
 */
export interface BlackBoxModel {
  /** Values per input row. */
  readonly inputSize: number;
  /** Values per row of the last hidden layer's output (the features an adapter refines). */
  readonly featureSize: number;
  /** Calls of predict() so far. */
  readonly queries: number;
  /** Rows sent in all those calls. */
  readonly queriedRows: number;
  /**
   * The model on `rows` rows of `inputs` (row after row): its output per row (one value: the
   * regression target in its own units) and its features (featureSize values per row). The
   * arrays are copies: nothing of the model comes back with them.
   */
  predict(inputs: Float32Array, rows: number): BlackBoxOutputs;
}

export interface BlackBoxOutputs {
  outputs: Float32Array;
  features: Float32Array;
}
