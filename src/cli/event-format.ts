import type { LoggedEvent } from '../contracts/campaign-events.ts';
import { formatConfig } from '../search-space/format-config.ts';
import { formatClock, formatNumber } from '../format/display-format.js';
import { formatSeconds, paint } from './terminal.ts';
import { describeEpochCap } from '../trainer/step-budget.ts';

/**
 * One campaign event as a line a person reads in a log. `metric` names the task's metric.
 * Epoch events only when `epochs` is set (they are many).
 */

export function formatEvent(
  e: LoggedEvent,
  metric: string,
  opts: { epochs?: boolean; stream?: NodeJS.WriteStream } = {},
): string | null {
  const s = opts.stream ?? process.stdout;
  const t = paint('dim', formatClock(e.at), s);
  const trial = (n: number) => paint('cyan', `#${n}`, s);
  switch (e.type) {
    case 'campaign.started':
      // In-run modes decide their own number of stretches: no trial budget to show.
      return `${t} campaign started: ${e.task}, ${e.strategy.endsWith(' mode') ? e.strategy : `strategy ${e.strategy}, ${e.maxTrials} trials`}, ${e.parallel} at a time${e.agents ? `; agents: ${e.agents}` : ''}`;
    case 'campaign.resumed':
      return `${t} campaign resumed by ${e.by}`;
    case 'strategy.chosen':
      return e.fromTrial === undefined
        ? `${t} auto chose ${e.strategy}: ${e.reason}`
        : `${t} auto hands over to ${e.strategy} from ${trial(e.fromTrial)}: ${e.reason}`;
    case 'proposal':
      return `${t} ${trial(e.trial)} proposed by ${e.source}: ${e.reason}\n         ${paint('dim', formatConfig(e.config), s)}`;
    case 'trial.started':
      return `${t} ${trial(e.trial)} started on ${e.worker}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
    case 'trial.epoch':
      return opts.epochs
        ? `${t} ${trial(e.trial)} epoch ${e.epoch}${e.epochs > 0 ? `/${e.epochs}` : ''}  loss ${formatNumber(e.loss)}  val ${metric} ${formatNumber(e.validationMetric)}`
        : null;
    case 'trial.finished':
      return `${t} ${trial(e.trial)} finished: ${metric} ${formatNumber(e.value)} (${e.epochCap ? describeEpochCap(e.epochCap) : `${e.epochs} epochs`}, ${formatSeconds(e.seconds)})`;
    case 'trial.pruned':
      return `${t} ${trial(e.trial)} pruned at epoch ${e.epoch}: ${e.reason ?? `${metric} ${formatNumber(e.value)}, median of earlier trials ${formatNumber(e.median)}`}`;
    case 'trial.failed':
      return paint(
        e.final ? 'red' : 'yellow',
        `${formatClock(e.at)} #${e.trial} failed (attempt ${e.attempt} of ${e.attempts}${e.final ? ', giving up' : ', will retry'}): ${e.error}`,
        s,
      );
    case 'trial.cancelled':
      return `${t} ${trial(e.trial)} cancelled`;
    case 'trial.timed-out':
      return paint(
        'yellow',
        `${formatClock(e.at)} ${trial(e.trial)} timed out at epoch ${e.epoch} after ${Math.round(e.seconds)} s (limit ${e.limit} s); the campaign goes on`,
        s,
      );
    case 'best.improved':
      return paint(
        'green',
        `${formatClock(e.at)} best so far: #${e.trial} ${metric} ${formatNumber(e.value)}${e.previous === null ? '' : e.previous === e.value ? ' (a tie: the earlier trial counts)' : ` (was ${formatNumber(e.previous)})`}`,
        s,
      );
    case 'campaign.picked':
      return paint(
        e.trial === null ? 'yellow' : 'green',
        `${formatClock(e.at)} pick (${e.rule}): ${e.trial === null ? 'none' : `#${e.trial}${e.values ? ` [${e.values.map((v) => formatNumber(v)).join(', ')}]` : ''}`}: ${e.reason}`,
        s,
      );
    case 'campaign.cancelling':
      return `${t} cancelling: ${e.reason}`;
    case 'campaign.ensemble':
      return `${t} ensemble: ${e.verdict}`;
    case 'campaign.final':
      if (e.members)
        return `${t} ensemble of ${e.members.map((n) => `#${n}`).join(', ')} retrained: validation ${metric} ${formatNumber(e.validation[metric as keyof typeof e.validation])}, test ${metric} ${formatNumber(e.test[metric as keyof typeof e.test])}`;
      return `${t} best configuration (#${e.trial}) retrained: validation ${metric} ${formatNumber(e.validation[metric as keyof typeof e.validation])}, test ${metric} ${formatNumber(e.test[metric as keyof typeof e.test])}`;
    case 'campaign.finished':
      return `${t} campaign ${e.status}${e.best ? `: best #${e.best.trial} ${metric} ${formatNumber(e.best.value)}` : ''}${e.reportDir ? `; report in ${e.reportDir}` : ''}`;
    case 'campaign.failed':
      return paint('red', `${formatClock(e.at)} campaign failed: ${e.error}`, s);
    case 'agent.message':
      return formatAgentMessage(e, t, s);
    case 'agent.fallback':
    case 'agent.waiting':
      return paint('yellow', `${formatClock(e.at)} ${e.agent}: ${e.reason}`, s);
    case 'prompt.rewritten':
      return `${t} ${paint('magenta', 'optimizer', s)}: Advisor prompt v${e.version} replaces v${e.parent}: ${e.rationale}\n${indent(e.diff, s)}`;
    case 'prompt.rejected':
      return paint('yellow', `${formatClock(e.at)} optimizer: new prompt rejected: ${e.reason}`, s);
    case 'prompt.reverted':
      return paint(
        'yellow',
        `${formatClock(e.at)} optimizer: prompt v${e.from} did worse than v${e.to}; v${e.to} is back (${e.reason})`,
        s,
      );
    case 'llm.budget':
      return paint(
        'yellow',
        `${formatClock(e.at)} LLM budget spent (${e.tokens} tokens, $${e.costUsd.toFixed(4)} of ${e.limit}): the campaign stops`,
        s,
      );
    case 'inrun.decision': {
      const head = `${t} ${paint(e.verdict === 'accepted' ? 'green' : 'yellow', e.verdict === 'accepted' ? 'change accepted' : 'change rejected', s)}`;
      const stretch =
        e.until === e.epoch + 1 ? `epoch ${e.until}` : `epochs ${e.epoch + 1}-${e.until}`;
      const where = `run ${e.run}, ${stretch}, attempt ${e.attempt}/${e.attempts}`;
      const values = `B ${trial(e.changeTrial)} ${metric} ${formatNumber(e.changeValue)} vs C ${trial(e.keepTrial)} ${formatNumber(e.keepValue)}${e.noise === null ? '' : `, noise ${formatNumber(e.noise)}`}`;
      const cost = e.llmCalls ? `; ${e.llmCalls} LLM calls, ${e.tokens} tokens` : '';
      return `${head} (${where}): ${e.change}
         ${values}
         ${paint('dim', `proposed because: ${e.reason}`, s)}
         ${paint('dim', `verdict: ${e.why}${cost}`, s)}`;
    }
    case 'inrun.budget':
      return paint(
        'yellow',
        `${formatClock(e.at)} epoch budget (${e.budget}): run ${e.run} tries no more changes from epoch ${e.epoch}; what is left finishes it as it is`,
        s,
      );
    case 'pbt.exploit':
      return `${t} pbt generation ${e.generation} (epoch ${e.epoch}): member ${e.member} (${metric} ${formatNumber(e.value)}) copies member ${e.from} (${trial(e.fromTrial)}, ${formatNumber(e.fromValue)}) and explores: ${e.change}`;
  }
}

function indent(text: string, s: NodeJS.WriteStream): string {
  return text
    .split('\n')
    .map(
      (line) =>
        `         ${paint(line.startsWith('+') ? 'green' : line.startsWith('-') ? 'red' : 'dim', line, s)}`,
    )
    .join('\n');
}

/** An agent's turn in the conversation: who, with what, and what it said. */
function formatAgentMessage(
  e: Extract<LoggedEvent, { type: 'agent.message' }>,
  t: string,
  s: NodeJS.WriteStream,
): string {
  const who = paint('magenta', e.agent, s);
  const how = e.rules
    ? 'rules, not an LLM'
    : `${e.model}${e.promptVersion !== undefined ? `, prompt v${e.promptVersion}` : ''}, ${e.tokens} tokens, $${e.costUsd.toFixed(4)}, ${Math.round(e.latencyMs)} ms${e.cached ? ', cached' : ''}${e.repaired ? ', repaired' : ''}`;
  const lines = [`${t} ${who} (${how}) on ${e.inputs}:`];
  const reply = e.reply as Record<string, unknown>;
  if (typeof reply['analysis'] === 'string') lines.push(`         ${reply['analysis']}`);
  if (Array.isArray(reply['proposals'])) {
    for (const p of reply['proposals'] as { reason?: string; expected_effect?: string }[]) {
      lines.push(
        `         - ${p.reason ?? ''}${p.expected_effect ? ` (expected: ${p.expected_effect})` : ''}`,
      );
    }
  }
  if (Array.isArray(reply['verdicts'])) {
    for (const v of reply['verdicts'] as {
      trial: number;
      verdict: string;
      explanation: string;
    }[]) {
      lines.push(`         #${v.trial} ${v.verdict}: ${v.explanation}`);
    }
  }
  if (typeof reply['textual_gradient'] === 'string')
    lines.push(`         next: ${reply['textual_gradient']}`);
  if (typeof reply['rationale'] === 'string') lines.push(`         ${reply['rationale']}`);
  return lines.join('\n');
}
