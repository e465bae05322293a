// The campaign page's panels that each read one answer of the API and draw it: the outcome, what
// mattered, the prompt versions, and the head's figures (campaign-page.js composes them).
import { api, formatSeconds, getJson, h, selectionScoreName } from '/dashboard/page-kit.js';
import { describeHybridShare, formatNumber } from '/dashboard/format.js';

/**
 * A finished campaign's outcome, on top (the report's head: what the summary of `lgt run` says):
 * the score it selected by, the final retrain's validation and test scores, the verdict against
 * the default and the ensemble's, and where the report and the model are.
 */
export async function renderOutcome(el, id) {
  const res = await api('GET', `/api/campaigns/${id}/report?trials=none`).catch(() => null);
  if (!res) return;
  const head = await res.json();
  const best = head.best;
  const m = head.campaign.metric.name;
  const lines = [];
  if (best) {
    lines.push(
      h(
        'div',
        { id: 'outcome-scores' },
        `#${best.trial}: ${best.selectedBy?.name ?? m} ${formatNumber(best.selectedBy?.value)}`,
        best.final
          ? ` · retrain: validation ${m} ${formatNumber(best.final.validation?.[m])}, test ${m} ${formatNumber(best.final.test?.[m])}`
          : ' · no final retrain',
      ),
    );
    if (best.againstDefault)
      lines.push(
        h('div', { id: 'outcome-verdict' }, `against the default: ${best.againstDefault.verdict}`),
      );
    if (best.ensemble?.verdict)
      lines.push(h('div', { id: 'outcome-ensemble' }, `ensemble: ${best.ensemble.verdict}`));
  } else {
    lines.push(h('div', { id: 'outcome-scores' }, 'no trial finished with a score'));
  }
  const dir = head.campaign.reportDir;
  lines.push(
    h(
      'div',
      { class: 'muted' },
      h(
        'a',
        { href: `/api/campaigns/${encodeURIComponent(id)}/report`, id: 'report-link' },
        'report.json',
      ),
      dir ? ` · on the worker: ${dir}/ (report.json, trials.csv, model/)` : '',
    ),
  );
  el.replaceChildren(h('h2', {}, 'outcome'), ...lines);
}

/**
 * Which dimensions mattered (PED-ANOVA, the same figures as `lgt importance`), as bars. Returns
 * the dimensions from the most to the least important (empty before 10 finished trials).
 */
export async function renderImportance(el, id) {
  const found = await getJson(`/api/campaigns/${id}/importance`);
  if (!found) {
    el.replaceChildren(h('p', { class: 'muted' }, 'shown from 10 finished trials on'));
    return [];
  }
  const widest = Math.max(...found.importances.map((i) => i.importance));
  el.replaceChildren(
    h(
      'p',
      { class: 'muted' },
      `how far each dimension's values among the best ${found.good} of ${found.trials} trials are from where the search went (PED-ANOVA; shares sum to 1)`,
    ),
    ...found.importances.map((i) =>
      h(
        'div',
        { class: 'importance-row', 'data-name': i.name },
        h('span', { class: 'importance-name' }, i.name),
        h(
          'span',
          { class: 'importance-track' },
          h('span', {
            class: 'importance-bar',
            style: `width: ${((100 * i.importance) / widest).toFixed(1)}%`,
          }),
        ),
        h('span', { class: 'importance-value' }, formatNumber(i.importance)),
      ),
    ),
  );
  return found.importances.map((i) => i.name);
}

/** The Advisor's prompt versions: pick one, see its rationale and its diff from its parent. */
export async function renderPrompts(select, view, id) {
  const history = await getJson(`/api/campaigns/${id}/prompts`);
  select.replaceChildren(
    ...history.versions.map((v) =>
      h(
        'option',
        { value: v.version },
        `v${v.version}${v.version === history.active ? ' (active)' : ''}`,
      ),
    ),
  );
  const show = () => {
    const v = history.versions.find((x) => String(x.version) === select.value);
    if (!v) {
      view.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          'no prompt versions: only lgt and hybrid campaigns have an Advisor prompt',
        ),
      );
      return;
    }
    view.replaceChildren(
      h('p', {}, v.rationale),
      v.diff ? diffBlock(v.diff) : h('pre', { class: 'diff' }, v.template),
    );
  };
  select.onchange = show;
  if (history.versions.length) select.value = String(history.versions.at(-1).version);
  show();
}

/** A unified diff, its added and removed lines marked. */
export function diffBlock(diff) {
  return h(
    'pre',
    { class: 'diff' },
    (diff ?? '').split('\n').map((line) =>
      h(
        'span',
        {
          class:
            line.startsWith('+') && !line.startsWith('+++')
              ? 'add'
              : line.startsWith('-') && !line.startsWith('---')
                ? 'del'
                : '',
        },
        `${line}\n`,
      ),
    ),
  );
}

/**
 * The head's figures (trials, best, time, LLM tokens and cost, states), the running trials,
 * what the campaign waits for, and the buttons its status allows.
 */
export function renderStats(parts, overview, metric) {
  const { stats, running, statusBadge, cancelButton, resumeButton } = parts;
  const { campaign, counts, budget } = overview;
  statusBadge.textContent = campaign.status;
  statusBadge.className = `status ${campaign.status}`;
  const live = ['queued', 'running'].includes(campaign.status);
  cancelButton.disabled = !live;
  resumeButton.disabled = !live && campaign.status !== 'cancelling';
  const stat = (label, value, sid) =>
    h(
      'div',
      { class: 'stat', id: sid },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, value),
    );
  stats.replaceChildren(
    stat(
      'trials',
      `${budget.trials.finished}${budget.trials.max === null ? '' : `/${budget.trials.max}`}`,
      'stat-trials',
    ),
    stat(
      `best: ${selectionScoreName(campaign.request, campaign.metric.name)}`,
      campaign.best ? `${formatNumber(campaign.best.value)} (#${campaign.best.trial})` : '-',
      'stat-best',
    ),
    stat(
      'time',
      `${formatSeconds(budget.seconds.elapsed)}${budget.seconds.limit ? ` of ${formatSeconds(budget.seconds.limit)}` : ''}`,
      'stat-time',
    ),
    stat(
      'LLM tokens',
      `${budget.llm.tokens.toLocaleString('en')}${budget.llm.tokenLimit ? ` of ${budget.llm.tokenLimit.toLocaleString('en')}` : ''}`,
      'stat-tokens',
    ),
    stat(
      'LLM cost',
      `$${formatNumber(budget.llm.costUsd)}${budget.llm.costLimit ? ` of $${formatNumber(budget.llm.costLimit)}` : ''}`,
      'stat-cost',
    ),
    // hybrid: the share of trials after the warm-up the Advisor proposed (as lgt status says).
    ...(overview.hybrid
      ? [
          stat(
            `Advisor's share (${overview.hybrid.core} in control)`,
            describeHybridShare(overview.hybrid),
            'stat-hybrid',
          ),
        ]
      : []),
    stat(
      'states',
      `${counts.completed} done · ${counts.pruned} pruned · ${counts.failed} failed · ${counts.running} running`,
      'stat-states',
    ),
  );
  running.replaceChildren(
    ...overview.running.map((r) =>
      h(
        'div',
        {},
        `#${r.trial} on ${r.worker ?? '?'}: epoch ${r.epoch}${r.plannedEpochs ? `/${r.plannedEpochs}` : ''}${r.lastValue !== null ? `, val ${metric} ${formatNumber(r.lastValue)}` : ''}${r.folds ? ` (fold ${r.fold}/${r.folds})` : ''}`,
      ),
    ),
  );
  // What an unfinished campaign waits for (no worker serves its queues), as lgt status says.
  if (overview.waitingFor)
    running.append(h('div', { class: 'status waiting', id: 'waiting-for' }, overview.waitingFor));
  // Agent turns the rules answered because the LLM did not (the first names the endpoint).
  if (budget.llm.fallbacks > 0)
    running.append(
      h(
        'div',
        { class: 'status warning', id: 'llm-fallbacks' },
        // The words of describeLlmFallbacks (src/campaign/campaign-summary.ts).
        `${
          budget.llm.calls === 0
            ? `the LLM never answered: all ${budget.llm.fallbacks} agent turns fell back to rules`
            : `${budget.llm.fallbacks} agent turns fell back to rules (${budget.llm.calls} answered by the LLM)`
        }${budget.llm.firstFallback ? `; the first: ${budget.llm.firstFallback}` : ''}`,
      ),
    );
  if (campaign.error) running.append(h('div', { class: 'status failed' }, campaign.error));
}
