// The agents' conversation on the campaign page: each event the panel shows, as a message.
import { configChanges, formatConfig, h } from '/dashboard/page-kit.js';
import { formatClock, formatNumber } from '/dashboard/format.js';
import { diffBlock } from '/dashboard/campaign-panels.js';

/** Conversation entries loaded with the page (the most recent; live ones are added after). */
export const MAX_MESSAGES = 400;
export const CONVERSATION_TYPES = [
  'campaign.started',
  'proposal',
  'agent.message',
  'agent.fallback',
  'agent.waiting',
  'prompt.rewritten',
  'prompt.rejected',
  'prompt.reverted',
  'best.improved',
  'llm.budget',
  'inrun.decision',
  'inrun.budget',
  'pbt.exploit',
  'campaign.cancelling',
  'campaign.finished',
  'campaign.failed',
];

/**
 * The message an event makes in the conversation (null for one it does not show): who said it,
 * when, and what; `base` is the default configuration, which proposals are shown against.
 */
export function conversationEntry(e, metric, base) {
  const when = formatClock(e.at);
  const msg = (who, cls, ...body) =>
    h(
      'div',
      { class: `message ${cls}`, 'data-type': e.type },
      h('span', { class: 'who' }, who),
      h('span', { class: 'when' }, when),
      ...body,
    );
  switch (e.type) {
    case 'proposal':
      return msg(
        `#${e.trial} proposed by ${e.source}`,
        e.source === 'advisor' || e.source === 'llm' ? 'advisor' : '',
        h('p', {}, e.reason),
        h('p', { class: 'muted config-change' }, configChanges(e.config, base)),
      );
    case 'agent.message': {
      const reply = e.reply ?? {};
      const parts = [];
      if (e.agent === 'evaluator' && typeof reply.accept === 'boolean') {
        // The in-run verdict on a change branch against the no-change branch.
        parts.push(h('p', {}, h('b', {}, reply.accept ? 'accept: ' : 'reject: '), reply.reason));
      } else if (e.agent === 'evaluator') {
        // Verdicts on the round's trials, then the textual gradient: what to change next.
        for (const v of reply.verdicts ?? [])
          parts.push(h('p', {}, h('b', {}, `#${v.trial} ${v.verdict}: `), v.explanation));
        if (reply.textual_gradient)
          parts.push(
            h('p', { class: 'gradient' }, h('b', {}, 'textual gradient: '), reply.textual_gradient),
          );
        if (reply.lessons?.length)
          parts.push(
            h(
              'ul',
              {},
              reply.lessons.map((l) => h('li', {}, l)),
            ),
          );
      } else if (e.agent === 'optimizer') {
        if (reply.rationale) parts.push(h('p', {}, reply.rationale));
      } else if (reply.change) {
        // The in-run Advisor: one change of the running training, with its reason.
        if (reply.analysis) parts.push(h('p', {}, reply.analysis));
        parts.push(
          h(
            'p',
            {},
            h('b', {}, 'proposes: '),
            reply.reason,
            h('br'),
            h('span', { class: 'muted' }, formatConfig(reply.change) || 'no change'),
          ),
        );
      } else {
        if (reply.analysis) parts.push(h('p', {}, reply.analysis));
        for (const p of reply.proposals ?? [])
          parts.push(
            h(
              'p',
              {},
              h('b', {}, 'proposes: '),
              p.reason,
              h('br'),
              h('span', { class: 'muted' }, configChanges(p.config ?? {}, base)),
            ),
          );
      }
      if (parts.length === 0)
        parts.push(h('pre', { class: 'muted' }, JSON.stringify(reply, null, 1).slice(0, 1500)));
      const by = e.rules ? 'rule-based stand-in' : `${e.model}${e.cached ? ', cached' : ''}`;
      const cost = e.rules ? '' : ` · ${e.tokens} tokens, $${formatNumber(e.costUsd)}`;
      return msg(
        `${e.agent[0].toUpperCase()}${e.agent.slice(1)} (${by}${e.promptVersion ? `, prompt v${e.promptVersion}` : ''}${cost})`,
        e.agent,
        ...parts,
      );
    }
    case 'prompt.rewritten':
      return msg(
        `Optimizer: prompt v${e.parent} → v${e.version}`,
        'optimizer',
        h('p', {}, e.rationale),
        diffBlock(e.diff),
      );
    case 'prompt.rejected':
      return msg('Optimizer: rewrite refused', 'optimizer', h('p', {}, e.reason));
    case 'prompt.reverted':
      return msg(`prompt v${e.from} rolled back to v${e.to}`, 'optimizer', h('p', {}, e.reason));
    case 'agent.fallback':
    case 'agent.waiting':
      return msg(
        `${e.agent}: ${e.type === 'agent.fallback' ? 'fallback' : 'waiting'}`,
        '',
        h('p', {}, e.reason),
      );
    case 'best.improved':
      return msg(
        `new best: #${e.trial}`,
        '',
        h(
          'p',
          {},
          `${metric} ${formatNumber(e.value)}${e.previous !== null ? ` (was ${formatNumber(e.previous)})` : ''}`,
        ),
      );
    case 'campaign.started':
      return msg(
        'campaign started',
        '',
        h('p', {}, `${e.task}, ${e.strategy}, ${e.maxTrials} trials, ${e.parallel} at a time`),
      );
    case 'campaign.finished':
      return msg(
        `campaign ${e.status}`,
        '',
        e.best
          ? h('p', {}, `best #${e.best.trial}: ${metric} ${formatNumber(e.best.value)}`)
          : null,
      );
    case 'campaign.ensemble':
      return msg(
        e.ships ? 'the final model is an ensemble' : 'ensemble considered',
        '',
        h('p', {}, e.verdict),
      );
    case 'campaign.failed':
      return msg('campaign failed', '', h('p', {}, e.error));
    case 'campaign.cancelling':
      return msg('cancelling', '', h('p', {}, e.reason));
    case 'llm.budget':
      return msg('LLM budget spent', '', h('p', {}, e.limit));
    case 'inrun.decision':
      return msg(
        `run ${e.run}, epochs ${e.epoch + 1}-${e.until}: change ${e.verdict}`,
        `decision ${e.verdict}`,
        h('p', {}, h('b', {}, `${e.change} `), `(attempt ${e.attempt}/${e.attempts})`),
        h(
          'p',
          { class: 'muted' },
          `B #${e.changeTrial} ${metric} ${formatNumber(e.changeValue)} vs C #${e.keepTrial} ${formatNumber(e.keepValue)}${e.noise === null ? '' : `, noise ${formatNumber(e.noise)}`}${e.llmCalls ? ` · ${e.llmCalls} LLM calls, ${e.tokens} tokens` : ''}`,
        ),
        h('p', {}, e.why),
      );
    case 'inrun.budget':
      return msg(
        'epoch budget',
        '',
        h('p', {}, `run ${e.run} tries no more changes from epoch ${e.epoch} (budget ${e.budget})`),
      );
    case 'pbt.exploit':
      return msg(
        `pbt generation ${e.generation}: member ${e.member} copies member ${e.from}`,
        '',
        h(
          'p',
          {},
          `${metric} ${formatNumber(e.value)} → the state of #${e.fromTrial} (${formatNumber(e.fromValue)}), exploring ${e.change}`,
        ),
      );
    default:
      return null;
  }
}
