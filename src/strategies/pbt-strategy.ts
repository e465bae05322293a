import { FINISHED_TRIAL, type TrialRecord } from '../contracts/trial-record.ts';
import { Rng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { describeChange, perturb } from './in-run-params.ts';
import type { StrategyContext } from './strategy-context.ts';
import type { Proposal, Strategy } from './strategy.ts';
import { type Direction, gainSign } from '../maths/direction.ts';

export interface PbtOptions {
  /** Each member's run length in epochs. */
  totalEpochs: number;
  /** Epochs between two exploit/explore steps. */
  interval: number;
  population: number;
  /** Member 0 starts from this configuration; the others from perturbations of it. */
  start: Config;
  seed: number;
  direction: Direction;
}

interface MemberPlan {
  member: number;
  config: Config;
  from?: number;
  reason: string;
  /** Set when the member copies a better one (exploit) this generation. */
  exploit?: {
    from: number;
    fromTrial: number;
    fromValue: number;
    value: number | null;
    change: string;
  };
}

/**
 * Population-based training (Jaderberg et al. 2017, as Ray Tune runs it), the classical baseline
 * for changing settings during training: N runs train side by side; every `interval` epochs the
 * worst quarter copies the end state of a member of the best quarter (exploit) and perturbs its
 * mid-run settings (explore), from checkpoints. A generation is one stretch per member; what
 * each member does next follows from the finished generation alone, so nothing else is stored.
 */
export class PbtStrategy implements Strategy {
  readonly name = 'pbt';

  constructor(
    private readonly space: SearchSpace,
    private readonly context: StrategyContext,
    private readonly options: PbtOptions,
  ) {}

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const generations = byGeneration(history);
    const g = generations.length === 0 ? 0 : generations.length - 1;
    const current = generations[g] ?? [];
    let target = g;
    if (current.length === this.options.population) {
      if (!current.every((t) => FINISHED_TRIAL.includes(t.state))) return [];
      if (this.untilOf(g) >= this.options.totalEpochs) return [];
      target = g + 1;
    }
    const plans = this.plan(target, generations[target - 1] ?? []);
    const have = new Set((generations[target] ?? []).map((t) => memberOf(t)));
    // As many as the driver takes now: the rest come again at its next look (and are logged then).
    const missing = plans.filter((p) => !have.has(p.member)).slice(0, count);
    for (const p of missing) {
      if (!p.exploit) continue;
      await this.context.log({
        type: 'pbt.exploit',
        generation: target,
        epoch: this.untilOf(target - 1),
        member: p.member,
        value: p.exploit.value,
        from: p.exploit.from,
        fromTrial: p.exploit.fromTrial,
        fromValue: p.exploit.fromValue,
        change: p.exploit.change,
      });
    }
    return missing.map((p) => ({
      config: p.config,
      reason: p.reason,
      source: 'pbt',
      segment: { ...(p.from !== undefined ? { from: p.from } : {}), until: this.untilOf(target) },
      meta: { member: p.member, generation: target },
    }));
  }

  /** The best member of the last generation: its end state is the campaign's result. */
  async resultTrial(history: readonly TrialRecord[]): Promise<number | null> {
    const last = byGeneration(history).at(-1) ?? [];
    return this.ranked(last)[0]?.number ?? null;
  }

  private untilOf(generation: number): number {
    return Math.min((generation + 1) * this.options.interval, this.options.totalEpochs);
  }

  /** Completed members best first (ties to the lower member), failed ones left out. */
  private ranked(members: readonly TrialRecord[]): TrialRecord[] {
    const sign = gainSign(this.options.direction);
    return members
      .filter((t) => t.state === 'completed' && typeof t.value === 'number')
      .sort((a, b) => sign * (b.value! - a.value!) || memberOf(a) - memberOf(b));
  }

  /** What each member trains in `generation`, from the finished one before it. */
  private plan(generation: number, previous: readonly TrialRecord[]): MemberPlan[] {
    const { population, start, seed } = this.options;
    const rng = new Rng(seed + 7919 * (generation + 1));
    if (generation === 0) {
      return Array.from({ length: population }, (_, member) => {
        const config = member === 0 ? start : perturb(this.space, start, rng);
        return {
          member,
          config,
          reason:
            member === 0
              ? 'member 0: the starting configuration'
              : `member ${member}: the start perturbed (${describeChange(start, config)})`,
        };
      });
    }
    const ranked = this.ranked(previous);
    const quarter = Math.max(1, Math.floor(population / 4));
    const top = ranked.slice(0, quarter);
    // The worst quarter, and any member whose stretch failed, copy a member of the best quarter.
    const bottom = new Set([
      ...ranked.slice(Math.max(quarter, ranked.length - quarter)).map(memberOf),
      ...previous.filter((t) => !ranked.includes(t)).map(memberOf),
    ]);
    return [...previous]
      .sort((a, b) => memberOf(a) - memberOf(b))
      .map((own) => {
        const member = memberOf(own);
        if (!bottom.has(member) || top.length === 0)
          return {
            member,
            config: own.config,
            from: own.number,
            reason: `member ${member} goes on`,
          };
        const source = top[Math.floor(rng.next() * top.length)]!;
        const config = perturb(this.space, source.config, rng);
        return {
          member,
          config,
          from: source.number,
          reason: `member ${member} copies member ${memberOf(source)} (#${source.number}) and explores: ${describeChange(source.config, config)}`,
          exploit: {
            from: memberOf(source),
            fromTrial: source.number,
            fromValue: source.value!,
            value: typeof own.value === 'number' ? own.value : null,
            change: describeChange(source.config, config),
          },
        };
      });
  }
}

function memberOf(t: TrialRecord): number {
  return Number((t.meta as { member?: number } | undefined)?.member ?? -1);
}

/** The campaign's trials grouped by generation, in order. */
function byGeneration(history: readonly TrialRecord[]): TrialRecord[][] {
  const out: TrialRecord[][] = [];
  for (const t of history) {
    const g = (t.meta as { generation?: number } | undefined)?.generation;
    if (typeof g !== 'number') continue;
    (out[g] ??= []).push(t);
  }
  return out;
}
