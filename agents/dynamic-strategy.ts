import { isFiniteNumber } from '../src/maths/finite.ts';
import { z } from 'zod';
import { ConfigSchema } from '../src/contracts/campaign-record.ts';
import {
  FINISHED_TRIAL,
  type TrialRecord,
  type TrialSegment,
} from '../src/contracts/trial-record.ts';
import type { Config, SearchSpace } from '../src/search-space/search-space.ts';
import { applyInRunChange, describeChange } from '../src/strategies/in-run-params.ts';
import { epochsCommitted } from '../src/trials/epoch-budget.ts';
import type { StrategyContext } from '../src/strategies/strategy-context.ts';
import type { Proposal, Strategy } from '../src/strategies/strategy.ts';
import type { AnyTask } from '../src/task-kinds/task.ts';
import type { EpochRecord } from '../src/trainer/trainer.ts';
import type { AgentAnswer } from './agent-types.ts';
import { logAgentTurn } from './agent-turn-log.ts';
import type {
  BranchJudge,
  BranchJudgeInput,
  InRunAdviceInput,
  InRunAdvisor,
  TriedChange,
} from './in-run-agent-types.ts';
import { gainSign } from '../src/maths/direction.ts';
import { median } from '../src/stats/median.ts';

/** The in-run agents, and the rule-based ones that answer when an LLM agent fails. */
export interface InRunAgents {
  advisor: InRunAdvisor;
  judge: BranchJudge;
  fallbackAdvisor: InRunAdvisor;
  fallbackJudge: BranchJudge;
}

export interface DynamicOptions {
  /** The run's length in epochs (the configuration's, or the campaign's --epochs). */
  totalEpochs: number;
  /** Epochs between two decisions. */
  decideEvery: number;
  /** Proposals tried per decision before the run carries on unchanged. */
  attempts: number;
  /** Where each run starts: the baseline, or the best configurations of another campaign. */
  starts: Config[];
  /** The space changes are checked against (the task's, with --epochs pinned). */
  space: SearchSpace;
  /** The campaign's epoch budget (--max-epochs), if any. */
  maxEpochs?: number;
}

const AttemptSchema = z.object({
  config: ConfigSchema,
  described: z.string(),
  reason: z.string(),
  expectedEffect: z.string(),
  verdict: z.enum(['accepted', 'rejected']).optional(),
  why: z.string().optional(),
  /** The run's epoch-to-epoch noise when it was judged (null: not measured yet). */
  noise: z.number().nullable().optional(),
  /** LLM calls and tokens this attempt took (the Advisor's and the Evaluator's turns). */
  llmCalls: z.number(),
  tokens: z.number(),
});
type Attempt = z.infer<typeof AttemptSchema>;

const DecisionSchema = z.object({
  epoch: z.number(),
  until: z.number(),
  attempts: z.array(AttemptSchema),
  /** The trial the run carries on from, once decided. */
  winner: z.number().optional(),
  /** No (more) change tried here: the epoch budget keeps what is left for finishing the runs. */
  overBudget: z.boolean().optional(),
});
type Decision = z.infer<typeof DecisionSchema>;

const RunStateSchema = z.object({
  config: ConfigSchema,
  /** The trial whose end state the run stands on (null before its first stretch). */
  head: z.number().nullable(),
  epoch: z.number(),
  decisions: z.array(DecisionSchema),
  done: z.boolean(),
  failed: z.string().optional(),
});
type RunState = z.infer<typeof RunStateSchema>;

/** The in-run loop's state, kept with the campaign so a driver that takes over resumes it. */
export const DynamicStateSchema = z.object({ runs: z.array(RunStateSchema) });
export type DynamicState = z.infer<typeof DynamicStateSchema>;

/** What a stretch's trial notes about its place, so the strategy finds it in the history. */
interface StretchMeta {
  run: number;
  decision: number;
  role: 'start' | 'keep' | 'change';
  attempt?: number;
}

/** What a step of a run's loop leaves: go on at once, or wait for trials to finish. */
type Step = 'again' | 'wait';

/** The campaign's trials by their place in the runs (see StretchMeta). */
class Stretches {
  constructor(private readonly history: readonly TrialRecord[]) {}

  find(m: StretchMeta): TrialRecord | undefined {
    return this.history.find((t) => {
      const meta = t.meta as Partial<StretchMeta> | undefined;
      return (
        meta?.run === m.run &&
        meta.decision === m.decision &&
        meta.role === m.role &&
        meta.attempt === m.attempt
      );
    });
  }
}

function finished(t: TrialRecord | undefined): t is TrialRecord {
  return !!t && FINISHED_TRIAL.includes(t.state);
}

function succeeded(t: TrialRecord | undefined): boolean {
  return !!t && t.state === 'completed' && typeof t.value === 'number';
}

/**
 * The LGT authors' in-run loop, judged on validation: a run trains to its first decision point;
 * there the Advisor proposes a change of what may change mid-run, and two trials train the next
 * stretch from the same checkpoint, one with the change (B) and one without (C), so two workers
 * run them at once. The Evaluator compares them against the run's noise and accepts or rejects
 * with a reason; up to `attempts` proposals are tried against the same C; the winner carries on.
 * Every decision is kept in the strategy's state before it is acted on, so a driver that takes
 * over neither asks again nor decides differently.
 */
export class DynamicStrategy implements Strategy {
  readonly name = 'dynamic';

  constructor(
    private readonly task: AnyTask,
    private readonly context: StrategyContext,
    private readonly agents: InRunAgents,
    private readonly options: DynamicOptions,
  ) {}

  /** Set while the campaign ends: runs move only as far as finished trials take them. */
  private settling = false;

  /** The state as last read or written by this driver (see save). */
  private current: DynamicState = { runs: [] };

  async propose(history: readonly TrialRecord[], _count: number): Promise<Proposal[]> {
    this.current = await this.state();
    const out: Proposal[] = [];
    for (let i = 0; i < this.current.runs.length; i++) await this.advance(i, history, out);
    return out;
  }

  /**
   * The best run's head. The runs are first brought up to date without asking any agent (a
   * campaign may end with stretches finished since the last look): a change not yet judged is
   * not taken, the run carries on without it. A run cut short by a time limit counts as far as
   * it got.
   */
  async resultTrial(history: readonly TrialRecord[]): Promise<number | null> {
    this.settling = true;
    try {
      await this.propose(history, 0);
    } finally {
      this.settling = false;
    }
    const heads = history.filter((t) => this.current.runs.some((r) => r.head === t.number));
    const sign = gainSign(this.task.metric.direction);
    const scored = heads.filter((t) => typeof t.value === 'number');
    scored.sort((a, b) => sign * (b.value! - a.value!) || a.number - b.number);
    return scored[0]?.number ?? null;
  }

  private async state(): Promise<DynamicState> {
    const initial: DynamicState = {
      runs: this.options.starts.map((config) => ({
        config,
        head: null,
        epoch: 0,
        decisions: [],
        done: false,
      })),
    };
    // Read first: the driver asks at every look, and only the first look has anything to write.
    return (
      (await this.context.getState(DynamicStateSchema)) ??
      (await this.context.updateState(DynamicStateSchema, (s) => s ?? initial))!
    );
  }

  /** Keeps a new state, in Redis first: a decision is stored before anything acts on it. */
  private async save(next: DynamicState): Promise<void> {
    await this.context.updateState(DynamicStateSchema, () => next);
    this.current = next;
  }

  /** Saves run i as `run`. */
  private async saveRun(i: number, run: RunState): Promise<void> {
    await this.save(withRun(this.current, i, run));
  }

  /** Moves run i as far as the finished trials allow; what must train next goes to `out`. */
  private async advance(
    i: number,
    history: readonly TrialRecord[],
    out: Proposal[],
  ): Promise<void> {
    const stretches = new Stretches(history);
    for (;;) {
      const run = this.current.runs[i]!;
      if (run.done) return;
      let step: Step;
      if (run.head === null) step = await this.startRun(i, run, stretches, out);
      else if (run.epoch >= this.options.totalEpochs) {
        await this.saveRun(i, { ...run, done: true });
        step = 'wait';
      } else step = await this.decide(i, run, stretches, history, out);
      if (step === 'wait') return;
    }
  }

  /** A run's first stretch: proposed, then waited for; its end state is the run's head. */
  private async startRun(
    i: number,
    run: RunState,
    stretches: Stretches,
    out: Proposal[],
  ): Promise<Step> {
    const start = stretches.find({ run: i, decision: 0, role: 'start' });
    const until = Math.min(this.options.decideEvery, this.options.totalEpochs);
    if (!start) {
      out.push(
        this.stretch(
          run.config,
          { until },
          { run: i, decision: 0, role: 'start' },
          'the run starts with its configuration as it is',
        ),
      );
      return 'wait';
    }
    if (!finished(start)) return 'wait';
    if (!succeeded(start)) {
      await this.end(
        i,
        `its first stretch (#${start.number}) ${start.state}: ${start.error ?? 'no result'}`,
      );
      return 'wait';
    }
    await this.saveRun(i, { ...run, head: start.number, epoch: until });
    return 'again';
  }

  /**
   * The decision at the run's current epoch: opened, its stretch without a change (C) proposed,
   * then either the next attempt at a change asked for or the open attempt judged.
   */
  private async decide(
    i: number,
    run: RunState,
    stretches: Stretches,
    history: readonly TrialRecord[],
    out: Proposal[],
  ): Promise<Step> {
    const decision = run.decisions.at(-1);
    if (!decision || decision.winner !== undefined) {
      const opened: Decision = {
        epoch: run.epoch,
        until: Math.min(run.epoch + this.options.decideEvery, this.options.totalEpochs),
        attempts: [],
      };
      await this.saveRun(i, { ...run, decisions: [...run.decisions, opened] });
      return 'again';
    }
    const d = run.decisions.length;
    const keep = stretches.find({ run: i, decision: d, role: 'keep' });
    // Once per call: the loop comes back here after the Advisor's turn.
    const keepProposed = out.some(
      (p) => (p.meta as Partial<StretchMeta>).run === i && p.meta?.['role'] === 'keep',
    );
    if (!keep && !keepProposed)
      out.push(
        this.stretch(
          run.config,
          { from: run.head!, until: decision.until },
          { run: i, decision: d, role: 'keep' },
          `no change (C): the run as it is, ${epochsText(decision)}`,
        ),
      );
    const open = decision.attempts.at(-1);
    if (!open || open.verdict) return this.nextAttempt(i, run, decision, keep, history, out);
    return this.judgeOpen(i, run, decision, open, keep, stretches, history, out);
  }

  /**
   * After a verdict (or before the first attempt): ask the Advisor for another change, unless the
   * decision is exhausted (attempts spent, over the epoch budget, the Advisor proposed no change,
   * the campaign ending); then the run carries on from the stretch without a change.
   */
  private async nextAttempt(
    i: number,
    run: RunState,
    decision: Decision,
    keep: TrialRecord | undefined,
    history: readonly TrialRecord[],
    out: Proposal[],
  ): Promise<Step> {
    const open = decision.attempts.at(-1);
    const overBudget =
      !this.settling && !decision.overBudget && !this.affordsBranch(i, decision, history, out);
    // Said once per run; later decisions of it are over the budget too.
    if (overBudget && !run.decisions.some((d) => d.overBudget)) {
      await this.context.log({
        type: 'inrun.budget',
        run: i,
        epoch: decision.epoch,
        budget: this.options.maxEpochs!,
      });
    }
    if (overBudget) {
      decision = { ...decision, overBudget: true };
      await this.saveRun(i, { ...run, decisions: [...run.decisions.slice(0, -1), decision] });
    }
    const exhausted =
      this.settling ||
      decision.overBudget === true ||
      decision.attempts.length >= this.options.attempts ||
      (open !== undefined && open.described === 'no change');
    if (exhausted) {
      if (!finished(keep)) return 'wait';
      if (!succeeded(keep)) {
        await this.end(
          i,
          `the run without a change (#${keep!.number}) ${keep!.state}: ${keep!.error ?? 'no result'}`,
        );
        return 'wait';
      }
      await this.carry(i, run, keep!.number, run.config, decision);
      return 'again';
    }
    const attempt = await this.ask(run, decision, history);
    await this.saveRun(i, {
      ...run,
      decisions: [
        ...run.decisions.slice(0, -1),
        { ...decision, attempts: [...decision.attempts, attempt] },
      ],
    });
    return 'again';
  }

  /**
   * The open attempt: its stretch with the change (B) proposed, then, once B and C have both
   * finished, judged by the Evaluator; an accepted change is what the run carries on with.
   */
  private async judgeOpen(
    i: number,
    run: RunState,
    decision: Decision,
    open: Attempt,
    keep: TrialRecord | undefined,
    stretches: Stretches,
    history: readonly TrialRecord[],
    out: Proposal[],
  ): Promise<Step> {
    const d = run.decisions.length;
    const a = decision.attempts.length;
    const change = stretches.find({ run: i, decision: d, role: 'change', attempt: a });
    if (!change) {
      out.push(
        this.stretch(
          open.config,
          { from: run.head!, until: decision.until },
          { run: i, decision: d, role: 'change', attempt: a },
          `change (B), attempt ${a}: ${open.described}: ${open.reason}`,
          open.expectedEffect,
        ),
      );
      return 'wait';
    }
    if (!finished(change) || !finished(keep) || this.settling) {
      // Ending: the change is not judged; the run goes on from the stretch without it.
      if (this.settling && succeeded(keep))
        await this.carry(i, run, keep!.number, run.config, decision);
      return 'wait';
    }
    const judged = await this.judge(run, open, change, keep!, history);
    const decided: Decision = {
      ...decision,
      attempts: [...decision.attempts.slice(0, -1), judged],
    };
    await this.context.log({
      type: 'inrun.decision',
      run: i,
      epoch: decision.epoch,
      until: decision.until,
      attempt: a,
      attempts: this.options.attempts,
      change: judged.described,
      reason: judged.reason,
      changeTrial: change.number,
      keepTrial: keep!.number,
      changeValue: change.value ?? null,
      keepValue: keep!.value ?? null,
      noise: judged.noise,
      verdict: judged.verdict!,
      why: judged.why!,
      llmCalls: judged.llmCalls,
      tokens: judged.tokens,
    });
    if (judged.verdict === 'accepted')
      await this.carry(i, run, change.number, open.config, decided);
    else await this.saveRun(i, { ...run, decisions: [...run.decisions.slice(0, -1), decided] });
    return 'again';
  }

  /**
   * Whether the epoch budget pays for one more change branch at this decision and still leaves
   * enough to finish every run without branches: a budget ends the exploring, never a run.
   */
  private affordsBranch(
    i: number,
    decision: Decision,
    history: readonly TrialRecord[],
    out: readonly Proposal[],
  ): boolean {
    const { maxEpochs, totalEpochs } = this.options;
    if (maxEpochs === undefined) return true;
    const stretch = decision.until - decision.epoch;
    const planned = out.map((p, k) => ({
      number: -1 - k,
      state: 'proposed' as const,
      config: p.config,
      reason: p.reason,
      source: 'dynamic',
      proposedAt: 0,
      attempts: 0,
      ...(p.segment ? { segment: p.segment } : {}),
    }));
    const committed = epochsCommitted([...history, ...planned], totalEpochs);
    // The rest of this run after the stretch, and all of the others' (their stretches in flight
    // counted twice: on the safe side).
    const rest = this.current.runs.reduce(
      (sum, r, k) => sum + (r.done ? 0 : totalEpochs - (k === i ? decision.until : r.epoch)),
      0,
    );
    // The stretch without a change is counted in `committed`: it is stored or proposed by now.
    return committed + stretch + rest <= maxEpochs;
  }

  /** Run i (as `run`, its decision open) carries on from `trial`'s end state, with `config`. */
  private async carry(
    i: number,
    run: RunState,
    trial: number,
    config: Config,
    decision: Decision,
  ): Promise<void> {
    await this.saveRun(i, {
      ...run,
      config,
      head: trial,
      epoch: decision.until,
      decisions: [...run.decisions.slice(0, -1), { ...decision, winner: trial }],
    });
  }

  private async end(i: number, why: string): Promise<void> {
    await this.saveRun(i, { ...this.current.runs[i]!, done: true, failed: why });
  }

  private stretch(
    config: Config,
    segment: TrialSegment,
    meta: StretchMeta,
    reason: string,
    expectedEffect?: string,
  ): Proposal {
    return {
      config,
      reason,
      ...(expectedEffect ? { expectedEffect } : {}),
      source: 'dynamic',
      segment,
      meta: { ...meta },
    };
  }

  /**
   * One agent's turn, logged and counted: when the LLM agent fails (after its client's retries
   * and repair turn), the rule-based one answers and the log says why.
   */
  private async turn<T>(
    agent: 'advisor' | 'evaluator',
    ask: () => Promise<AgentAnswer<T>>,
    fallback: () => Promise<AgentAnswer<T>>,
    instead: string,
  ): Promise<AgentAnswer<T>> {
    let answer: AgentAnswer<T>;
    try {
      answer = await ask();
    } catch (error) {
      const who = agent === 'advisor' ? 'Advisor' : 'Evaluator';
      await this.context.log({
        type: 'agent.fallback',
        agent,
        reason: `the LLM ${who} failed (${(error as Error).message}); ${instead}`,
      });
      answer = await fallback();
    }
    await logAgentTurn(this.context, agent, answer);
    return answer;
  }

  /** The Advisor's change for this attempt (rules answer when the LLM fails). */
  private async ask(
    run: RunState,
    decision: Decision,
    history: readonly TrialRecord[],
  ): Promise<Attempt> {
    const input: InRunAdviceInput = {
      task: this.task,
      config: run.config,
      curve: await this.runCurve(run.head, history),
      epoch: decision.epoch,
      totalEpochs: this.options.totalEpochs,
      attempt: decision.attempts.length + 1,
      tried: triedChanges(run, decision),
    };
    const answer = await this.turn(
      'advisor',
      () => this.agents.advisor.proposeChange(input),
      () => this.agents.fallbackAdvisor.proposeChange(input),
      'rules propose this change',
    );
    const { space } = this.options;
    const { config, ignored } = applyInRunChange(space, run.config, answer.output.change);
    const checked = space.validate(config);
    // A change outside the ranges or of what cannot change mid-run is no change: said, not run.
    const valid = checked.ok ? (checked.config as Config) : run.config;
    const problems = [
      ...(ignored.length ? [`${ignored.join(', ')} cannot change mid-run`] : []),
      ...(checked.ok ? [] : checked.errors.map((e) => e.message)),
    ];
    const described = describeChange(run.config, valid);
    const again = decision.attempts.find((a) => a.described === described);
    return {
      config: valid,
      described,
      reason: problems.length
        ? `${answer.output.reason} (refused: ${problems.join('; ')})`
        : answer.output.reason,
      expectedEffect: answer.output.expected_effect,
      // Nothing to train for no change, or for a change this decision has already judged.
      ...(described === 'no change'
        ? { verdict: 'rejected' as const, why: 'no change was proposed' }
        : again
          ? { verdict: 'rejected' as const, why: `already tried at this epoch (${again.why})` }
          : {}),
      llmCalls: answer.meta.rules || answer.meta.cached ? 0 : 1,
      tokens: answer.meta.usage.totalTokens,
    };
  }

  private async judge(
    run: RunState,
    attempt: Attempt,
    change: TrialRecord,
    keep: TrialRecord,
    history: readonly TrialRecord[],
  ): Promise<Attempt & { noise: number | null }> {
    const curve = await this.runCurve(run.head, history);
    if (change.state !== 'completed' || typeof change.value !== 'number')
      return {
        ...attempt,
        noise: null,
        verdict: 'rejected',
        why: `the change branch ${change.state}: ${change.error ?? 'no result'}`,
      };
    if (keep.state !== 'completed' || typeof keep.value !== 'number')
      return {
        ...attempt,
        noise: null,
        verdict: 'accepted',
        why: `the run without the change ${keep.state} (${keep.error ?? 'no result'}); the change kept it going`,
      };
    const curves = await this.context.curves([change.number, keep.number]);
    const noise = epochNoise([...curve, ...(curves.get(keep.number) ?? [])]);
    const input: BranchJudgeInput = {
      task: this.task,
      curve,
      change: {
        trial: change.number,
        config: change.config,
        value: change.value,
        curve: curves.get(change.number) ?? [],
      },
      keep: {
        trial: keep.number,
        config: keep.config,
        value: keep.value,
        curve: curves.get(keep.number) ?? [],
      },
      described: attempt.described,
      reason: attempt.reason,
      noise,
    };
    const answer = await this.turn(
      'evaluator',
      () => this.agents.judge.judge(input),
      () => this.agents.fallbackJudge.judge(input),
      'rules judge this decision',
    );
    return {
      ...attempt,
      noise,
      verdict: answer.output.accept ? 'accepted' : 'rejected',
      why: answer.output.reason,
      llmCalls: attempt.llmCalls + (answer.meta.rules || answer.meta.cached ? 0 : 1),
      tokens: attempt.tokens + answer.meta.usage.totalTokens,
    };
  }

  /** The run's curve up to its head: the curves of the stretches it is made of, in order. */
  private async runCurve(
    head: number | null,
    history: readonly TrialRecord[],
  ): Promise<EpochRecord[]> {
    const byNumber = new Map(history.map((t) => [t.number, t]));
    const chain: number[] = [];
    for (let at = head ?? undefined; at !== undefined; at = byNumber.get(at)?.segment?.from)
      chain.unshift(at);
    const curves = await this.context.curves(chain);
    return chain.flatMap((n) => curves.get(n) ?? []);
  }
}

/** "epoch 5" or "epochs 5-8": the stretch a decision trains. */
function epochsText(d: { epoch: number; until: number }): string {
  return d.until === d.epoch + 1 ? `epoch ${d.until}` : `epochs ${d.epoch + 1}-${d.until}`;
}

function withRun(state: DynamicState, i: number, run: RunState): DynamicState {
  return { runs: state.runs.map((r, k) => (k === i ? run : r)) };
}

/** Changes tried in this run: all of this decision's, and those of the decision before. */
function triedChanges(run: RunState, decision: Decision): TriedChange[] {
  const recent = run.decisions.slice(-2).filter((d) => d !== decision);
  return [...recent, decision].flatMap((d) =>
    d.attempts
      .filter((a) => a.verdict)
      .map((a) => ({ change: a.described, verdict: a.verdict!, why: a.why! })),
  );
}

/**
 * How much the validation metric jitters from one epoch to the next: the spread (scaled median
 * absolute deviation) of its last four changes around their median, so a steady trend is not
 * counted as noise. Null before 5 epochs: the first epochs' large moves are not jitter. The two
 * branches start from one checkpoint and share the data order, so their difference jitters less
 * than this: the bar is on the cautious side.
 */
export function epochNoise(curve: readonly EpochRecord[]): number | null {
  const values = curve
    .slice(-5)
    .map((r) => r.validationMetric)
    .filter(isFiniteNumber);
  if (values.length < 5) return null;
  const deltas = values.slice(1).map((v, k) => v - values[k]!);
  const center = median(deltas);
  return 1.4826 * median(deltas.map((d) => Math.abs(d - center)));
}
