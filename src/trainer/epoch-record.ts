import { z } from 'zod';

/** A number JSON wrote: NaN and infinities (a diverged loss) come back as null. */
export const StoredNumberSchema = z.number().nullable();

/**
 * One epoch of a trial's learning curve, as the trainer makes it and as Redis and a job's result
 * give it back. A diverged loss is NaN while training and null once stored (JSON writes NaN as
 * null), so its numbers are typed `number | null`: a reader of either checks with
 * Number.isFinite, which refuses both.
 */
export const EpochRecordSchema = z.object({
  /** 1-based. */
  epoch: z.number().int().min(1),
  loss: StoredNumberSchema,
  validationLoss: StoredNumberSchema,
  /** The task's metric on the validation split. */
  validationMetric: StoredNumberSchema,
  learningRate: z.number(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
  /** True when an objective reported no training loss: a missing loss then is not divergence. */
  metricOnly: z.boolean().optional(),
  /**
   * A trade-off campaign's other objectives at this epoch (TrialRequest.epochMetrics), which
   * the multi-objective pruner compares; absent elsewhere, so a curve stays small.
   */
  metrics: z.record(z.string().max(50), StoredNumberSchema).optional(),
});
export type EpochRecord = z.infer<typeof EpochRecordSchema>;

/** The named metrics of an epoch for its record (see TrialRequest.epochMetrics); NaN if absent. */
export function epochMetricsOf(
  metrics: Readonly<Record<string, number | undefined>>,
  keep: readonly string[] = [],
): { metrics?: Record<string, number> } {
  if (!keep.length) return {};
  return {
    metrics: Object.fromEntries(
      keep.map((k) => {
        const v = metrics[k];
        return [k, typeof v === 'number' && Number.isFinite(v) ? v : NaN];
      }),
    ),
  };
}
