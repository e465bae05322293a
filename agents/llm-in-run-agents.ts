import type { LlmClient } from '../src/llm/llm-client.ts';
import { describeRange } from '../src/search-space/param.ts';
import { formatConfig } from '../src/search-space/format-config.ts';
import { inRunParams } from '../src/strategies/in-run-params.ts';
import {
  BranchVerdictReplySchema,
  InRunChangeReplySchema,
  type BranchVerdictReply,
  type InRunChangeReply,
} from './agent-schemas.ts';
import type { AgentAnswer } from './agent-types.ts';
import { curveInShort, formatValue, taskCard } from './campaign-digest.ts';
import type {
  BranchJudge,
  BranchJudgeInput,
  BranchView,
  InRunAdviceInput,
  InRunAdvisor,
} from './in-run-agent-types.ts';
import { coverageText, decisionMetaOf, metaOf } from './llm-agents.ts';
import { promptFile, renderTemplate } from './prompt-templates.ts';

/** The in-run Advisor through an LLM: one structured reply per attempt. */
export class LlmInRunAdvisor implements InRunAdvisor {
  private readonly template = promptFile('in-run-advisor');

  constructor(private readonly client: LlmClient) {}

  async proposeChange(input: InRunAdviceInput): Promise<AgentAnswer<InRunChangeReply>> {
    const metric = input.task.metric.name;
    const system = await renderTemplate(this.template, {
      task_card: taskCard(input.task),
      changeable: inRunParams(input.task.space)
        .map((p) => `- ${p.name}: ${p.description}; ${describeRange(p)}`)
        .join('\n'),
      config: formatConfig(input.config, ', '),
      epoch: String(input.epoch),
      total_epochs: String(input.totalEpochs),
      curve: input.curve.length ? curveInShort(input.curve, metric) : 'no epochs yet',
      tried: input.tried.length
        ? input.tried.map((t) => `- ${t.change}: ${t.verdict} (${t.why})`).join('\n')
        : 'None yet.',
    });
    const result = await this.client.complete({
      agent: 'advisor',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: `Attempt ${input.attempt}: propose one change now.` },
      ],
      schema: InRunChangeReplySchema,
      schemaName: 'in_run_change',
    });
    return {
      output: result.value,
      meta: metaOf(result),
      summary: `epoch ${input.epoch}/${input.totalEpochs}, attempt ${input.attempt}`,
    };
  }
}

/**
 * The Evaluator's in-run verdict through an LLM: accept or reject, with a reason. In decision
 * form (the campaign's evaluator decisions are proxy-tuned), it asks for the label alone and
 * takes the one the labels' logprobs pick (see ProxyTunedLlmClient).
 */
export class LlmBranchJudge implements BranchJudge {
  private readonly template = promptFile('branch-judge');
  // The decision form's own prompt: it asks for the label alone (its first token is read).
  private readonly decisionTemplate = promptFile('branch-decision');

  constructor(
    private readonly client: LlmClient,
    private readonly options: { decisionForm?: boolean } = {},
  ) {}

  async judge(input: BranchJudgeInput): Promise<AgentAnswer<BranchVerdictReply>> {
    const metric = input.task.metric.name;
    const branch = (b: BranchView) =>
      `val ${metric} ${formatValue(b.value)} at the end; ${curveInShort(b.curve, metric)}`;
    const decisionForm = this.options.decisionForm === true && this.client.decide !== undefined;
    const system = await renderTemplate(decisionForm ? this.decisionTemplate : this.template, {
      task_card: taskCard(input.task),
      curve: input.curve.length ? curveInShort(input.curve, metric) : 'no epochs before',
      change: input.described,
      reason: input.reason,
      branch_b: branch(input.change),
      branch_c: branch(input.keep),
      noise:
        input.noise === null
          ? 'Not measured yet (too few epochs).'
          : `The validation ${metric} jitters by about ${formatValue(input.noise)} from epoch to epoch in this run.`,
    });
    const ask = `Judge B (#${input.change.trial}) against C (#${input.keep.trial}).`;
    const summary = `#${input.change.trial} vs #${input.keep.trial}`;
    if (decisionForm) {
      const decision = await this.client.decide!({
        agent: 'evaluator',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: `${ask} Answer with one word: accept or reject.` },
        ],
        labels: ['accept', 'reject'],
      });
      return {
        output: {
          accept: decision.label === 'accept',
          reason: `proxy-tuned decision: ${decision.label} (p ${formatValue(decision.probabilities[decision.label])}; labels in the top-k lists: ${coverageText(decision)})`,
        },
        meta: decisionMetaOf(this.client.model('evaluator'), decision),
        summary: `${summary}, decision form`,
      };
    }
    const result = await this.client.complete({
      agent: 'evaluator',
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: ask },
      ],
      schema: BranchVerdictReplySchema,
      schemaName: 'branch_verdict',
    });
    return { output: result.value, meta: metaOf(result), summary };
  }
}
