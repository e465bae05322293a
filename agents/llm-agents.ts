import type { LlmClient, LlmResult } from '../src/llm/llm-client.ts';
import type { LabelDecision } from '../src/llm/label-decision.ts';
import {
  AdvisorReplySchema,
  EvaluatorReplySchema,
  OptimizerReplySchema,
  type AdvisorReply,
  type EvaluatorReply,
  type OptimizerReply,
} from './agent-schemas.ts';
import type {
  AdvisorInput,
  AgentAnswer,
  AgentMeta,
  Advisor,
  Evaluator,
  EvaluatorInput,
  OptimizerInput,
  PromptOptimizer,
} from './agent-types.ts';
import {
  baselineText,
  bestOf,
  historyDigest,
  noiseText,
  taskCard,
  trialLine,
} from './campaign-digest.ts';
import { formatConfig } from '../src/search-space/format-config.ts';
import { formatNumber } from '../src/format/display-format.js';
import type { Proposal } from '../src/strategies/strategy.ts';
import { MAX_PROMPT_LENGTH, promptFile, renderTemplate } from './prompt-templates.ts';

export function metaOf(result: LlmResult<unknown>): AgentMeta {
  return {
    rules: false,
    model: result.model,
    usage: result.usage,
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    cached: result.cached,
    repaired: result.repaired,
  };
}

/** How a label decision was obtained, as an agent's answer says it (no text, no repair turn). */
export function decisionMetaOf(model: string, decision: LabelDecision): AgentMeta {
  return {
    rules: false,
    model,
    usage: decision.usage,
    costUsd: decision.costUsd,
    latencyMs: 0,
    cached: decision.cached,
    repaired: false,
  };
}

/** "2/2, 2/2, 1/2": how many labels each endpoint's top-k list held (base, expert, anti). */
export function coverageText(decision: LabelDecision): string {
  return decision.coverage.map((c) => `${c.covered}/${c.of}`).join(', ');
}

/** The values of the Advisor template's placeholders (exported to measure prompt sizes). */
export function advisorValues(input: AdvisorInput): Record<string, string> {
  const metric = input.task.metric;
  const feedback = input.feedback
    ? `${input.feedback.textual_gradient}\nVerdicts: ${input.feedback.verdicts.map((v) => `#${v.trial} ${v.verdict} (${v.explanation})`).join('; ')}`
    : 'None yet.';
  const candidates = input.candidates?.length
    ? [
        '## Candidates from the numeric strategy',
        input.candidatesState ?? '',
        'You may take a candidate as it is, edit it, or propose something else; say which in the reason.',
        ...input.candidates.map(
          (c, i) => `C${i + 1}: ${formatConfig(c.config, ', ')} (${c.reason})`,
        ),
      ].join('\n')
    : '';
  return {
    task_card: taskCard(input.task),
    baseline: baselineText(input.trials, metric),
    noise: noiseText(input.trials, metric),
    history: historyDigest(input.trials, metric),
    feedback,
    lessons: input.lessons.length ? input.lessons.map((l) => `- ${l}`).join('\n') : 'None yet.',
    candidates,
    budget: input.budget,
    count: String(input.count),
  };
}

export class LlmAdvisor implements Advisor {
  constructor(private readonly client: LlmClient) {}

  async advise(input: AdvisorInput): Promise<AgentAnswer<AdvisorReply>> {
    const system = await renderTemplate(input.template, advisorValues(input));
    const ask = input.rejected
      ? `Some proposals were refused:\n${input.rejected}\nPropose ${input.count} replacement configuration(s) that respect the ranges and differ from every tried configuration.`
      : `Propose ${input.count} configuration(s) now.`;
    const result = await this.client.complete({
      agent: 'advisor',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: ask },
      ],
      schema: AdvisorReplySchema,
      schemaName: 'advisor_reply',
    });
    const best = bestOf(input.trials, input.task.metric);
    return {
      output: result.value,
      meta: metaOf(result),
      summary: `${input.trials.length} trials${best ? `, best #${best.number} ${input.task.metric.name} ${best.value}` : ''}; asked for ${input.count}${input.rejected ? ' replacements' : ''}${input.candidates?.length ? ` with ${input.candidates.length} numeric candidates` : ''}`,
    };
  }
}

/** Labels of K candidates in a decision: A, B, C, ... */
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The Advisor in decision form (hybrid, with its decisions proxy-tuned): it sees what the
 * Advisor sees, the candidates labelled A, B, C..., and answers one letter; the labels'
 * logprobs (base, and the expert/anti-expert pair) pick. The `count` most probable candidates
 * become the round's proposals.
 */
export class LlmCandidateChooser {
  // Its own prompt: the Advisor's asks for JSON, and a decision reads the answer's first token.
  private readonly template = promptFile('advisor-decision');

  constructor(private readonly client: LlmClient) {}

  async choose(
    input: AdvisorInput & { candidates: Proposal[] },
  ): Promise<AgentAnswer<AdvisorReply>> {
    if (!this.client.decide) throw new Error('this LLM client cannot make label decisions');
    const candidates = input.candidates.slice(0, LETTERS.length);
    const labels = candidates.map((_, i) => LETTERS[i]!);
    const system = await renderTemplate(this.template, advisorValues(input));
    const listed = candidates
      .map((c, i) => `${labels[i]}: ${formatConfig(c.config, ', ')} (${c.reason})`)
      .join('\n');
    const decision = await this.client.decide({
      agent: 'advisor',
      messages: [
        { role: 'system', content: system },
        {
          role: 'user',
          content: `Candidates from the numeric strategy:\n${listed}\nWhich one should be trained next? Answer with one letter: ${labels.join(', ')}.`,
        },
      ],
      labels,
    });
    const ranked = labels
      .map((label, i) => ({ label, i, p: decision.probabilities[label] ?? 0 }))
      .sort((a, b) => b.p - a.p || a.i - b.i)
      .slice(0, input.count);
    return {
      output: {
        analysis: `proxy-tuned choice among ${labels.length} candidates (labels in the top-k lists: ${coverageText(decision)})`,
        proposals: ranked.map((r) => ({
          config: candidates[r.i]!.config,
          reason: `proxy-tuned choice ${r.label} (p ${formatNumber(r.p)}) among ${labels.length} candidates: ${candidates[r.i]!.reason}`,
          expected_effect: candidates[r.i]!.expectedEffect ?? 'as the numeric strategy expects',
        })),
      },
      meta: decisionMetaOf(this.client.model('advisor'), decision),
      summary: `${labels.length} candidates, decision form; asked for ${input.count}`,
    };
  }
}

export class LlmEvaluator implements Evaluator {
  private readonly template = promptFile('evaluator');

  constructor(private readonly client: LlmClient) {}

  async evaluate(input: EvaluatorInput): Promise<AgentAnswer<EvaluatorReply>> {
    const metric = input.task.metric;
    const before = input.trials.filter((t) => !input.round.includes(t));
    const best = bestOf(before, metric);
    const system = await renderTemplate(this.template, {
      task_card: taskCard(input.task),
      reference: `${baselineText(input.trials, metric)}\nBest before this round: ${best ? trialLine(best, metric) : 'none'}`,
      noise: noiseText(input.trials, metric),
      round: input.round
        .map(
          (t) =>
            `${trialLine(t, metric)}\n    expected effect: ${t.expectedEffect ?? 'not stated'}`,
        )
        .join('\n'),
      lessons: input.lessons.length ? input.lessons.map((l) => `- ${l}`).join('\n') : 'None yet.',
    });
    const result = await this.client.complete({
      agent: 'evaluator',
      messages: [
        { role: 'system', content: system },
        {
          role: 'user',
          content: `Judge trials ${input.round.map((t) => `#${t.number}`).join(', ')}.`,
        },
      ],
      schema: EvaluatorReplySchema,
      schemaName: 'evaluator_reply',
    });
    return {
      output: result.value,
      meta: metaOf(result),
      summary: `round of ${input.round.length} trials (${input.round.map((t) => `#${t.number}`).join(', ')})`,
    };
  }
}

export class LlmPromptOptimizer implements PromptOptimizer {
  private readonly template = promptFile('optimizer');

  constructor(private readonly client: LlmClient) {}

  async optimize(input: OptimizerInput): Promise<AgentAnswer<OptimizerReply>> {
    const system = await renderTemplate(this.template, {
      version: String(input.version),
      current_prompt: input.template,
      history: input.history,
      required_variables: input.requiredVariables.map((v) => `{{${v}}}`).join(', '),
      max_length: String(MAX_PROMPT_LENGTH),
    });
    const result = await this.client.complete({
      agent: 'optimizer',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: 'Write the improved Advisor template.' },
      ],
      schema: OptimizerReplySchema,
      schemaName: 'optimizer_reply',
    });
    return {
      output: result.value,
      meta: metaOf(result),
      summary: `prompt version ${input.version}`,
    };
  }
}
