// A campaign's page: its status and outcome, its charts, its trials and the agents' conversation,
// live from its event stream.
import {
  api,
  app,
  authHeaders,
  configChanges,
  formatConfig,
  formatSeconds,
  getJson,
  h,
  howTuned,
  inRunMode,
  selectionScoreName,
  showError,
  throttle,
} from '/dashboard/page-kit.js';
import {
  brushParallel,
  CurvesChart,
  drawContour,
  drawParallel,
  drawTimeline,
  EdfChart,
  ProgressChart,
  RunChart,
  SliceChart,
} from '/dashboard/charts.js';
import { formatClock, formatNumber } from '/dashboard/format.js';

/** Curves shown at once with "every finished trial's" (the API's limit per request). */
const MAX_CURVES = 200;
/** Table rows drawn at most: the page stays quick on a campaign of 10,000 trials. */
const MAX_ROWS = 300;
/** Conversation entries loaded with the page (the most recent; live ones are added after). */
const MAX_MESSAGES = 400;
const CONVERSATION_TYPES = [
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

/** The space as the trials show it: numbers by their observed range, everything else as choices. */
export function observedSpace(trials) {
  const names = new Map();
  for (const t of trials)
    for (const [k, v] of Object.entries(t.config)) {
      if (!names.has(k)) names.set(k, []);
      names.get(k).push(v);
    }
  return [...names.entries()]
    .map(([name, vs]) => {
      if (vs.every((v) => typeof v === 'number')) {
        const low = Math.min(...vs);
        const high = Math.max(...vs);
        if (low === high) return null;
        // Log-scaled when the values span two orders of magnitude and most of them crowd the
        // low end (as log-uniform draws do); a uniform draw that came near 0 stays linear.
        const median = vs.slice().sort((a, b) => a - b)[Math.floor(vs.length / 2)];
        const log = low > 0 && high / low >= 100 && median - low < 0.1 * (high - low);
        return { name, kind: 'float', low, high, log };
      }
      const choices = [...new Set(vs.map(String))];
      if (choices.length < 2) return null;
      return { name, kind: 'choice', choices, map: (v) => String(v) };
    })
    .filter(Boolean);
}

function conversationEntry(e, metric, base) {
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

function diffBlock(diff) {
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

export async function campaignPage(id) {
  const stop = new AbortController();
  // One request for what the table and the chart need (the overview with every trial's summary:
  // small, however long the campaign); the configurations (the bulk of a long campaign) follow.
  const { trials: light, ...first } = await getJson(`/api/campaigns/${id}?trials=summary`);
  // The live stream starts where the log was when these were read: nothing after is missed.
  const since = first.lastEventId ?? '0';
  let overview = first;
  const c = overview.campaign;
  const metric = c.metric.name;
  const trials = new Map(light.map((t) => [t.number, { config: {}, ...t }]));
  const selected = new Set();
  /** Conversation entries already shown (the live stream may replay some of the past ones). */
  const shown = new Set();
  let sortKey = 'number';
  let sortDir = 1;

  const stats = h('div', { class: 'row', id: 'stats' });
  const running = h('div', { id: 'running', class: 'muted' });
  const cancelButton = h('button', { id: 'cancel', onclick: () => act('cancel') }, 'Cancel');
  const resumeButton = h('button', { id: 'resume', onclick: () => act('resume') }, 'Resume');
  const statusBadge = h('span', { class: `status ${c.status}`, id: 'status' }, c.status);
  const outcomeEl = h('div', { id: 'outcome' });
  const progressEl = h('div', { id: 'progress-chart' });
  const logScale = h('input', {
    type: 'checkbox',
    id: 'log-scale',
    onchange: () => progress.setLog(logScale.checked),
  });
  const curvesEl = h('div', { id: 'curves-chart' });
  const allCurves = h('input', {
    type: 'checkbox',
    id: 'all-curves',
    onchange: () => renderCurves().catch((e) => showError(e.message)),
  });
  const curvesNote = h(
    'p',
    { class: 'muted' },
    'click rows of the table to compare their learning curves, or ',
    h(
      'label',
      {},
      allCurves,
      ` show every finished trial's (the best ${MAX_CURVES}; pruned dashed)`,
    ),
  );
  const parallelCanvas = h('canvas', { class: 'parallel', id: 'parallel' });
  const sliceSelect = h('select', { id: 'slice-param', onchange: () => renderSlice() });
  const sliceEl = h('div', { id: 'slice-chart' });
  const edfEl = h('div', { id: 'edf-chart' });
  const contourX = h('select', { id: 'contour-x', onchange: () => renderContour() });
  const contourY = h('select', { id: 'contour-y', onchange: () => renderContour() });
  const contourCanvas = h('canvas', { class: 'contour', id: 'contour' });
  /** The importance ranking, once read: the contour starts on the two that mattered most. */
  let ranking = [];
  const timelineCanvas = h('canvas', { class: 'timeline', id: 'timeline' });
  const tbody = h('tbody');
  const tableNote = h('p', { class: 'muted', id: 'table-note' });
  const conversation = h('div', { class: 'conversation', id: 'conversation' });
  // In-run modes: the run that is the result, with its accepted changes marked.
  const inRun = inRunMode(c.request);
  const runEl = h('div', { id: 'run-chart' });
  const runChanges = h('ul', { id: 'run-changes' });
  const runNote = h(
    'p',
    { class: 'muted', id: 'run-note' },
    'the run is drawn when the campaign ends; accepted changes are listed as they come',
  );
  const importanceEl = h('div', { id: 'importance' });
  /** The default configuration (the campaign's control, trial 1), once its record is read. */
  const defaultConfig = () => {
    for (const t of trials.values())
      if (t.source === 'default' && Object.keys(t.config).length) return t.config;
    return null;
  };
  const promptSelect = h('select', { id: 'prompt-version' });
  const promptView = h('div', { id: 'prompt-view' });
  const columns = [
    ['number', '#'],
    ['state', 'state'],
    ['value', selectionScoreName(c.request, metric)],
    ['source', 'source'],
    ['seconds', 'time'],
    ['epochsRun', 'epochs'],
    ['config', 'configuration'],
  ];
  const thead = h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map(([key, label]) =>
        h(
          'th',
          key === 'config'
            ? {}
            : {
                'data-sort': key,
                onclick: () => {
                  sortDir =
                    sortKey === key
                      ? -sortDir
                      : key === 'value' && c.metric.direction === 'maximize'
                        ? -1
                        : 1;
                  sortKey = key;
                  renderTable();
                },
              },
          label,
        ),
      ),
    ),
  );

  app.replaceChildren(
    h(
      'div',
      { class: 'card' },
      h('h1', {}, h('a', { href: '#/' }, 'campaigns'), ' / ', id, ' ', statusBadge),
      h(
        'p',
        { class: 'muted' },
        `${c.taskName} · ${howTuned(c.request)} · ${c.request.parallel} at a time · seed ${c.request.seed} · ${metric} (${c.metric.direction === 'maximize' ? 'higher' : 'lower'} is better)`,
      ),
      stats,
      running,
      outcomeEl,
      h('div', { class: 'row' }, cancelButton, resumeButton),
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, `${metric} by trial, and the best so far`),
        progressEl,
        h('label', { class: 'muted' }, logScale, ' log scale (where every value is above 0)'),
      ),
      h('div', { class: 'card' }, h('h2', {}, 'learning curves'), curvesEl, curvesNote),
    ),
    // replaceChildren would print a null as text: the card is there or nothing is.
    ...(inRun
      ? [
          h(
            'div',
            { class: 'card', id: 'run-card' },
            h('h2', {}, `the run (${c.request.mode} mode) and the changes it kept`),
            runEl,
            runNote,
            runChanges,
          ),
        ]
      : []),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h(
          'h2',
          {},
          'configuration against metric (parallel coordinates; drag along an axis to filter)',
        ),
        parallelCanvas,
      ),
      h('div', { class: 'card' }, h('h2', {}, 'what mattered'), importanceEl),
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, `${metric} against one dimension (slice) `, sliceSelect),
        sliceEl,
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, `how the trials' ${metric} is spread (empirical distribution)`),
        edfEl,
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, `${metric} over two dimensions (contour) `, contourX, ' against ', contourY),
      contourCanvas,
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'where the time went (each trial process, its trials over time)'),
      timelineCanvas,
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'trials'),
      tableNote,
      h('table', { id: 'trials' }, thead, tbody),
    ),
    h(
      'div',
      { class: 'grid' },
      h('div', { class: 'card' }, h('h2', {}, 'agents'), conversation),
      h('div', { class: 'card' }, h('h2', {}, 'prompt versions'), promptSelect, promptView),
    ),
  );

  const progress = new ProgressChart(progressEl, metric, c.metric.direction);
  const curves = new CurvesChart(curvesEl, metric);
  const runChart = inRun ? new RunChart(runEl, metric) : null;
  const slice = new SliceChart(sliceEl, metric);
  // Brushing filters the table too: it lists the trials within the ranges.
  brushParallel(parallelCanvas, () => {
    drawParallel(
      parallelCanvas,
      observedSpace([...trials.values()]),
      [...trials.values()],
      metric,
      c.metric.direction,
      formatNumber,
    );
    renderTable();
  });
  const edf = new EdfChart(edfEl, metric);

  /**
   * The contour of two numeric dimensions: by default the two that mattered most (the
   * importance ranking), else the first two.
   */
  function renderContour() {
    const list = [...trials.values()];
    const numeric = observedSpace(list).filter((p) => p.kind === 'float');
    const names = numeric.map((p) => p.name);
    if (names.length < 2) {
      contourCanvas.dataset.points = '0';
      return;
    }
    if (names.join() !== [...contourX.options].map((o) => o.value).join()) {
      const ranked = [
        ...ranking.filter((n) => names.includes(n)),
        ...names.filter((n) => !ranking.includes(n)),
      ];
      const [kx, ky] = [contourX.value, contourY.value];
      contourX.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
      contourY.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
      contourX.value = names.includes(kx) ? kx : ranked[0];
      contourY.value = names.includes(ky) && ky !== contourX.value ? ky : ranked[1];
    }
    const px = numeric.find((p) => p.name === contourX.value);
    const py = numeric.find((p) => p.name === contourY.value);
    if (px && py) drawContour(contourCanvas, px, py, list, c.metric.direction, formatNumber);
  }

  /** The slice plot of the chosen dimension (the first, the most important when known). */
  function renderSlice() {
    const list = [...trials.values()];
    const space = observedSpace(list);
    const names = space.map((p) => p.name);
    if (names.join() !== [...sliceSelect.options].map((o) => o.value).join()) {
      const keep = sliceSelect.value;
      sliceSelect.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
      if (names.includes(keep)) sliceSelect.value = keep;
    }
    const param = space.find((p) => p.name === sliceSelect.value);
    if (param) slice.update(param, list);
  }

  /** Before the report: each accepted change as it is decided. */
  function noteDecision(e) {
    if (!runChart || e.verdict !== 'accepted') return;
    runChanges.append(
      h(
        'li',
        {},
        h('b', {}, `after epoch ${e.epoch}: `),
        `${e.change} (run ${e.run}, #${e.changeTrial})`,
      ),
    );
  }

  /** Once finished: the result's run from the report, and the changes it kept. */
  async function loadRun() {
    if (!runChart) return;
    const report = await getJson(`/api/campaigns/${id}/report`).catch(() => null);
    const run = report?.inRun;
    if (!run) return;
    runChart.update(run.curve, run.changes);
    runNote.textContent = `${run.cost.epochs} epochs trained in all for a run of ${run.cost.runEpochs} (${run.cost.trials} stretches${run.cost.llmCalls ? `, ${run.cost.llmCalls} LLM calls, ${run.cost.tokens} tokens` : ''})`;
    runChanges.replaceChildren(
      ...(run.changes.length
        ? run.changes.map((ch) =>
            h(
              'li',
              {},
              h('b', {}, `after epoch ${ch.epoch}: `),
              ch.change,
              ` (#${ch.trial}) — ${ch.reason}`,
            ),
          )
        : [h('li', { class: 'muted' }, 'no change was kept: the run went on as it started')]),
    );
  }

  async function act(what) {
    try {
      await api('POST', `/api/campaigns/${id}/${what}`);
      showError('');
      await refreshOverview();
    } catch (err) {
      showError(err.message);
    }
  }

  function renderStats() {
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

  function renderTable() {
    const brushed = parallelCanvas.kept;
    const all = [...trials.values()];
    const rows = all
      .filter((t) => !brushed || brushed.has(t.number))
      .sort((a, b) => {
        const x = a[sortKey];
        const y = b[sortKey];
        if (x === y) return a.number - b.number;
        if (x === undefined || x === null) return 1;
        if (y === undefined || y === null) return -1;
        return (x < y ? -1 : 1) * sortDir;
      });
    const within = brushed
      ? ` within the ranges brushed on the parallel coordinates (of ${formatNumber(all.length)}; double-click an axis to clear its range)`
      : '';
    tableNote.textContent =
      rows.length > MAX_ROWS
        ? `showing ${MAX_ROWS} of ${formatNumber(rows.length)} trials${within} (sort by a column to see others)`
        : `${formatNumber(rows.length)} trials${within}`;
    tbody.replaceChildren(
      ...rows.slice(0, MAX_ROWS).map((t) =>
        h(
          'tr',
          {
            class: selected.has(t.number) ? 'selected' : '',
            'data-trial': t.number,
            onclick: () => toggle(t.number),
          },
          h(
            'td',
            {},
            // Its own page; the row's click (compare curves) is left alone.
            h(
              'a',
              {
                href: `#/c/${encodeURIComponent(id)}/t/${t.number}`,
                class: 'trial-link',
                onclick: (e) => e.stopPropagation(),
              },
              `#${t.number}`,
            ),
          ),
          h('td', {}, h('span', { class: `status ${t.state}` }, t.state)),
          h('td', {}, formatNumber(t.value)),
          h('td', {}, t.source),
          h('td', {}, t.seconds !== undefined ? formatSeconds(t.seconds) : '-'),
          h('td', {}, t.epochsRun ?? '-'),
          h('td', { class: 'config' }, formatConfig(t.config)),
        ),
      ),
    );
  }

  function renderCharts() {
    const list = [...trials.values()];
    progress.update(list);
    drawParallel(
      parallelCanvas,
      observedSpace(list),
      list,
      metric,
      c.metric.direction,
      formatNumber,
    );
    renderSlice();
    renderContour();
    edf.update(list);
    drawTimeline(timelineCanvas, list, formatNumber);
  }

  async function renderCurves() {
    if (allCurves.checked) {
      // Every finished trial, pruned ones included, the best first, as many as the API gives.
      const sign = c.metric.direction === 'maximize' ? -1 : 1;
      const shown = [...trials.values()]
        .filter((t) => typeof t.value === 'number' && ['completed', 'pruned'].includes(t.state))
        .sort((a, b) => sign * (a.value - b.value))
        .slice(0, MAX_CURVES)
        .map((t) => t.number);
      if (shown.length === 0) return;
      const got = await getJson(`/api/campaigns/${id}/curves?trials=${shown.join(',')}`);
      curves.update(
        new Map(Object.entries(got).map(([k, v]) => [Number(k), v])),
        new Map(shown.map((n) => [n, trials.get(n).state])),
      );
      return;
    }
    if (selected.size === 0) {
      // The best few by default.
      const best = [...trials.values()]
        .filter((t) => typeof t.value === 'number')
        .sort((a, b) => (c.metric.direction === 'maximize' ? b.value - a.value : a.value - b.value))
        .slice(0, 3);
      for (const t of best) selected.add(t.number);
    }
    if (selected.size === 0) return;
    const got = await getJson(`/api/campaigns/${id}/curves?trials=${[...selected].join(',')}`);
    curves.update(
      new Map(Object.entries(got).map(([k, v]) => [Number(k), v])),
      new Map([...selected].map((n) => [n, trials.get(n)?.state])),
    );
  }

  function toggle(n) {
    if (selected.has(n)) selected.delete(n);
    else selected.add(n);
    renderTable();
    renderCurves().catch((e) => showError(e.message));
  }

  async function refreshOverview() {
    overview = await getJson(`/api/campaigns/${id}`);
    renderStats();
  }

  /**
   * A finished campaign's outcome, on top (the report's head: what the summary of `lgt run`
   * says): the score it selected by, the final retrain's validation and test scores, the verdict
   * against the default and the ensemble's, and where the report and the model are.
   */
  async function loadOutcome() {
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
          h(
            'div',
            { id: 'outcome-verdict' },
            `against the default: ${best.againstDefault.verdict}`,
          ),
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
    outcomeEl.replaceChildren(h('h2', {}, 'outcome'), ...lines);
  }

  /** Which dimensions mattered (PED-ANOVA, the same figures as `lgt importance`), as bars. */
  async function loadImportance() {
    const found = await getJson(`/api/campaigns/${id}/importance`);
    if (!found) {
      importanceEl.replaceChildren(h('p', { class: 'muted' }, 'shown from 10 finished trials on'));
      return;
    }
    const widest = Math.max(...found.importances.map((i) => i.importance));
    // The contour's default pair: the two that mattered most (read again when it changes).
    const before = ranking.join();
    ranking = found.importances.map((i) => i.name);
    if (ranking.join() !== before) {
      contourX.replaceChildren();
      renderContour();
    }
    importanceEl.replaceChildren(
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
  }

  async function loadPrompts() {
    const history = await getJson(`/api/campaigns/${id}/prompts`);
    promptSelect.replaceChildren(
      ...history.versions.map((v) =>
        h(
          'option',
          { value: v.version },
          `v${v.version}${v.version === history.active ? ' (active)' : ''}`,
        ),
      ),
    );
    const show = () => {
      const v = history.versions.find((x) => String(x.version) === promptSelect.value);
      if (!v) {
        promptView.replaceChildren(
          h(
            'p',
            { class: 'muted' },
            'no prompt versions: only lgt and hybrid campaigns have an Advisor prompt',
          ),
        );
        return;
      }
      promptView.replaceChildren(
        h('p', {}, v.rationale),
        v.diff ? diffBlock(v.diff) : h('pre', { class: 'diff' }, v.template),
      );
    };
    promptSelect.onchange = show;
    if (history.versions.length) promptSelect.value = String(history.versions.at(-1).version);
    show();
  }

  function applyEvent(e) {
    const t = trials.get(e.trial);
    switch (e.type) {
      case 'proposal':
        // Events after the page's snapshot are replayed: a trial it already has stays as it is.
        if (!t)
          trials.set(e.trial, {
            number: e.trial,
            state: 'queued',
            config: e.config,
            source: e.source,
            reason: e.reason,
          });
        break;
      case 'trial.started':
        if (t) Object.assign(t, { state: 'running', startedAt: e.at, worker: e.worker });
        break;
      case 'trial.finished':
        if (t)
          Object.assign(t, {
            state: 'completed',
            finishedAt: e.at,
            value: e.value,
            seconds: e.seconds,
            epochsRun: e.epochs,
          });
        break;
      case 'trial.pruned':
        if (t)
          Object.assign(t, {
            state: 'pruned',
            finishedAt: e.at,
            value: e.value,
            epochsRun: e.epoch,
          });
        break;
      case 'trial.failed':
        if (t && e.final) Object.assign(t, { state: 'failed', finishedAt: e.at, value: null });
        break;
      case 'trial.cancelled':
        if (t) t.state = 'cancelled';
        break;
      case 'inrun.decision':
        noteDecision(e);
        break;
      case 'campaign.finished':
        loadRun().catch((err) => showError(err.message));
        loadOutcome().catch((err) => showError(err.message));
        break;
    }
    if (CONVERSATION_TYPES.includes(e.type) && !shown.has(e.id)) {
      shown.add(e.id);
      const entry = conversationEntry(e, metric, defaultConfig());
      if (entry) {
        const atBottom =
          conversation.scrollTop + conversation.clientHeight >= conversation.scrollHeight - 20;
        conversation.append(entry);
        if (atBottom) conversation.scrollTop = conversation.scrollHeight;
      }
    }
  }

  renderStats();
  renderTable();
  progress.update([...trials.values()]);
  const full = await getJson(`/api/campaigns/${id}/trials`);
  for (const t of full) trials.set(t.number, { ...trials.get(t.number), ...t });
  renderTable();
  renderCharts();
  await renderCurves().catch((e) => showError(e.message));
  loadPrompts().catch((e) => showError(e.message));
  loadImportance().catch((e) => showError(e.message));
  if (['completed', 'failed', 'cancelled'].includes(c.status))
    loadOutcome().catch((e) => showError(e.message));
  loadRun().catch((e) => showError(e.message));

  // The conversation so far (only the event types it shows), then live from where it ended.
  const past = await api(
    'GET',
    `/api/campaigns/${id}/events?follow=false&limit=${MAX_MESSAGES}&types=${CONVERSATION_TYPES.join(',')}`,
  );
  const earlier = await past.json();
  // A long campaign's panel starts at its last messages: said, not left to look like the start.
  if (earlier.length >= MAX_MESSAGES)
    conversation.append(
      h(
        'p',
        { class: 'muted', id: 'earlier-messages' },
        `the last ${MAX_MESSAGES} messages; the earlier ones are in the log (lgt logs ${id})`,
      ),
    );
  for (const e of earlier) {
    if (shown.has(e.id)) continue;
    shown.add(e.id);
    if (e.type === 'inrun.decision' && !runChart?.plot) noteDecision(e);
    const entry = conversationEntry(e, metric, defaultConfig());
    if (entry) conversation.append(entry);
  }
  conversation.scrollTop = conversation.scrollHeight;

  const redraw = throttle(() => {
    renderTable();
    renderCharts();
  }, 500);
  const reloadOverview = throttle(() => refreshOverview().catch(() => {}), 1000);
  const reloadCurves = throttle(() => renderCurves().catch(() => {}), 3000);
  const reloadPrompts = throttle(() => loadPrompts().catch(() => {}), 2000);
  // It reads every finished trial: at most every 10 s, on a trial's end.
  const reloadImportance = throttle(() => loadImportance().catch(() => {}), 10_000);
  // From where the page's first reads were made: nothing after them is missed.
  followEvents(id, since, stop.signal, (events) => {
    for (const e of events) {
      applyEvent(e);
      if (e.type === 'prompt.rewritten' || e.type === 'prompt.reverted') reloadPrompts();
      if (e.type === 'trial.epoch') reloadCurves();
      if (e.type === 'trial.finished') reloadImportance();
    }
    redraw();
    reloadOverview();
  }).catch((e) => showError(e.message));
  // The clock and running epochs move without events too.
  const timer = setInterval(() => reloadOverview(), 5000);
  return () => {
    stop.abort();
    clearInterval(timer);
  };
}

/**
 * The campaign's live event stream (Server-Sent Events read with fetch, so the token goes in a
 * header, not the URL); reconnects with Last-Event-ID until the campaign ends.
 */
async function followEvents(id, after, signal, onEvents) {
  let last = after;
  while (!signal.aborted) {
    try {
      const res = await fetch(`/api/campaigns/${id}/events`, {
        headers: { ...authHeaders(), ...(last && last !== '0' ? { 'last-event-id': last } : {}) },
        signal,
      });
      if (!res.ok) throw new Error(`event stream: ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop();
        const batch = [];
        for (const block of blocks) {
          // The end may come in the same chunk as the last events: those are shown first.
          if (block.startsWith('event: end')) {
            if (batch.length) onEvents(batch);
            return;
          }
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const eid = /^id: (.*)$/m.exec(block)?.[1];
          if (data && eid) {
            last = eid;
            batch.push(JSON.parse(data));
          }
        }
        if (batch.length) onEvents(batch);
      }
    } catch {
      // The connection dropped: reconnect below, unless the page left.
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
