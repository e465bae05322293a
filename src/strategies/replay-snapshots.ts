import { z } from 'zod';
import type { StrategyContext } from './strategy-context.ts';

/** What a replaying strategy needs of its strategy context: its named state. */
export type SnapshotContext = Pick<StrategyContext, 'getState' | 'updateState'>;

/**
 * Where a replaying strategy keeps a snapshot of its replay beside the campaign (its strategy
 * state in Redis), so that a driver that takes over a long campaign starts from it instead of
 * replaying every trial. Written every `every` units of progress (generations, steps), only
 * forward (a slower driver never puts back an older one); read once, through its schema (Redis
 * holds data: a snapshot of another shape is ignored and the replay starts over).
 */
export class ReplaySnapshots<S> {
  private loaded = false;
  private savedAt = 0;

  constructor(
    private readonly context: SnapshotContext | undefined,
    private readonly schema: z.ZodType<S>,
    /** How far a snapshot has come, as a number that only grows. */
    private readonly progressOf: (snapshot: S) => number,
    private readonly every: number,
  ) {}

  /** The stored snapshot the first time it is asked for (when `fits` it), else null. */
  async load(fits: (snapshot: S) => boolean): Promise<S | null> {
    if (this.loaded || !this.context) return null;
    this.loaded = true;
    // Read as anything: a snapshot that does not fit (another version's) is only not used.
    const parsed = this.schema.safeParse(await this.context.getState(z.unknown()));
    if (!parsed.success || !fits(parsed.data)) return null;
    this.savedAt = this.progressOf(parsed.data);
    return parsed.data;
  }

  async save(snapshot: S | null): Promise<void> {
    if (!this.context || !snapshot) return;
    const progress = this.progressOf(snapshot);
    if (progress - this.savedAt < this.every) return;
    await this.context.updateState(z.unknown(), (current) => {
      const stored = this.schema.safeParse(current);
      return stored.success && this.progressOf(stored.data) >= progress ? null : snapshot;
    });
    this.savedAt = progress;
  }
}
