import type { EpochHook } from './epoch-hooks.ts';
import type { TimeLimits } from './trial-time-limits.ts';

/**
 * No trial holds a campaign hostage: past its limit it stops, within an epoch, by aborting its
 * run. A fixed limit bounds the whole trial; a per-epoch one is a watchdog that each finished
 * epoch winds up again (see typicalTimeLimits). `fired` says which limit ended the run.
 */
export class TrialClock {
  private timer: NodeJS.Timeout | undefined;
  private firedAt: { limit: number; kind: 'trial' | 'epoch' } | null = null;

  constructor(
    private readonly limits: TimeLimits | null,
    private readonly abort: AbortController,
  ) {
    if (limits) this.arm('trial', limits.trial);
  }

  /** The hook that winds the per-epoch watchdog up after each epoch. */
  readonly watchdog: EpochHook = () => {
    if (this.limits?.epoch != null && !this.abort.signal.aborted)
      this.arm('epoch', this.limits.epoch);
  };

  get fired(): { limit: number; kind: 'trial' | 'epoch' } | null {
    return this.firedAt;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(kind: 'trial' | 'epoch', seconds: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.firedAt = { limit: seconds, kind };
      this.abort.abort();
    }, seconds * 1000);
  }
}
