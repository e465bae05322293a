// The lgt dashboard: plain ES modules, no build step. Everything shown comes from the API
// (the same overview `lgt status` prints); text from trials and agents is set as text, never
// parsed as HTML.
import {
  brushParallel,
  CurvesChart,
  drawContour,
  drawLines,
  drawParallel,
  drawTimeline,
  EdfChart,
  ProgressChart,
  RunChart,
  SliceChart,
} from '/dashboard/charts.js';
import { formatClock, formatNumber } from '/dashboard/format.js';

const app = document.getElementById('app');
const errorBox = document.getElementById('error');
const tokenInput = document.getElementById('token');
tokenInput.value = localStorage.getItem('lgt-token') ?? '';
tokenInput.addEventListener('change', () =>
  localStorage.setItem('lgt-token', tokenInput.value.trim()),
);

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

let cleanup = () => {};

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function authHeaders() {
  const token = tokenInput.value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).message ?? message;
    } catch {
      // Not JSON: the status line says it.
    }
    if (res.status === 401) message += ' (paste the token in the field at the top)';
    throw new Error(message);
  }
  return res;
}

const getJson = async (path) => (await api('GET', path)).json();

/**
 * What the score a campaign selects by is called: the fold mean when it cross-validates (the
 * same words as src/campaign/score-names.ts, which the command line and the report use).
 */
function selectionScoreName(request, metric) {
  const folds = request.cv ?? 1;
  return folds > 1 ? `${metric}, mean of ${folds} folds` : `validation ${metric}`;
}

function formatSeconds(s) {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

function age(ms) {
  return `${formatSeconds((Date.now() - ms) / 1000)} ago`;
}

function formatConfig(config) {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
}

/**
 * A configuration as what it changes from `base` (the campaign's default configuration, trial
 * 1): `learningRate 0.001→0.05 · units1 64→120`, so an entry says what was tried instead of
 * repeating every field. The whole configuration without a base, or when nothing differs.
 */
function configChanges(config, base) {
  if (!base) return formatConfig(config);
  const changed = Object.entries(config).filter(
    ([k, v]) => JSON.stringify(v) !== JSON.stringify(base[k]),
  );
  if (changed.length === 0) return 'the default configuration';
  return changed
    .map(([k, v]) =>
      base[k] === undefined
        ? `${k} ${formatNumber(v)}`
        : `${k} ${formatNumber(base[k])}→${formatNumber(v)}`,
    )
    .join(' · ');
}

/** Curves shown at once with "every finished trial's" (the API's limit per request). */
const MAX_CURVES = 200;

const finishedCount = (c) => c.completed + c.pruned + c.failed + c.cancelled;
/** dynamic or pbt: the campaign steers runs between epochs (no trial budget of its own). */
const inRunMode = (request) => request.mode === 'dynamic' || request.mode === 'pbt';
const howTuned = (request) => (inRunMode(request) ? `${request.mode} mode` : request.strategy);

/** Calls `f` at most once per `ms`, the last call winning. */
function throttle(f, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      f();
    }, ms);
  };
}

// ---------------------------------------------------------------- the campaign list

async function listPage() {
  const [tasks, csvFiles, allowed] = await Promise.all([
    getJson('/api/tasks').catch(() => []),
    getJson('/api/data-files').catch(() => []),
    getJson('/api/allowed-tasks').catch(() => ({ modules: [], commands: [] })),
  ]);
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'campaigns' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['', 'campaign', 'task', 'strategy', 'status', 'trials', 'best', 'age'].map((c) =>
          h('th', {}, c),
        ),
      ),
    ),
    tbody,
  );
  const taskSelect = h(
    'select',
    { name: 'task' },
    tasks.map((t) => h('option', { value: t.name }, t.name)),
  );
  // Or a CSV file of the server's data directories (lgt serve --data-dir), with its target.
  // ... or a task module of its task directories, or a command it may run (only what the
  // operator allowed: the server refuses anything else anyway).
  const dataSelect = h(
    'select',
    { name: 'data' },
    h('option', { value: '' }, 'a built-in task'),
    csvFiles.map((f, i) => h('option', { value: `csv:${i}` }, `${f.name} (${f.dir})`)),
    allowed.modules.map((m, i) =>
      h('option', { value: `module:${i}` }, `module ${m.name} (${m.dir})`),
    ),
    allowed.commands.map((cmd, i) => h('option', { value: `command:${i}` }, `command: ${cmd}`)),
  );
  const targetSelect = h('select', { name: 'target' });
  const chosen = () => {
    const [kind, i] = dataSelect.value.split(':');
    return kind ? { kind, i: Number(i) } : { kind: 'builtin' };
  };
  const chosenCsv = () => (chosen().kind === 'csv' ? csvFiles[chosen().i] : null);
  const commandSpace = h('textarea', {
    name: 'space',
    rows: '3',
    placeholder: '{"params": {"lr": {"type": "float", "low": 0.0001, "high": 0.1, "log": true}}}',
  });
  const commandMetric = h('input', { name: 'metric', placeholder: 'val_loss' });
  const commandDirection = h(
    'select',
    { name: 'direction' },
    h('option', { value: 'minimize' }, 'minimize'),
    h('option', { value: 'maximize' }, 'maximize'),
  );
  /** The task a request names for what the form has chosen. */
  const taskOfForm = () => {
    const c = chosen();
    if (c.kind === 'csv') {
      const f = csvFiles[c.i];
      return { kind: 'csv', file: `${f.dir}/${f.name}`, target: targetSelect.value };
    }
    if (c.kind === 'module') {
      const m = allowed.modules[c.i];
      return { kind: 'module', path: `${m.dir}/${m.name}` };
    }
    if (c.kind === 'command') {
      let space;
      try {
        space = JSON.parse(commandSpace.value || '{}');
      } catch {
        throw new Error(
          'the space must be JSON, such as {"params": {"lr": {"type": "float", ...}}}',
        );
      }
      return {
        kind: 'command',
        command: allowed.commands[c.i],
        cwd: '/',
        space,
        metric: commandMetric.value,
        direction: commandDirection.value,
      };
    }
    return { kind: 'builtin', name: taskSelect.value };
  };
  // What lgt makes of the chosen file with that target, as `lgt tasks --csv` says it.
  const csvPreview = h('div', { id: 'csv-preview', class: 'muted' });
  const previewCsv = async () => {
    const f = chosenCsv();
    if (!f || !targetSelect.value) {
      csvPreview.replaceChildren();
      return;
    }
    const query = new URLSearchParams({ file: `${f.dir}/${f.name}`, target: targetSelect.value });
    try {
      const p = await getJson(`/api/data-files/preview?${query}`);
      csvPreview.replaceChildren(
        h(
          'p',
          {},
          `${p.kind}, ${p.metric.name} · rows: ${p.rows.train} training, ${p.rows.validation} validation, ${p.rows.test} test${p.classes ? ` · classes: ${p.classes.join(', ')}` : ''}`,
        ),
        h(
          'p',
          {},
          `columns: ${p.columns.map((c) => `${c.name} (${c.kind}${c.missing ? `, ${c.missing} missing` : ''}${c.levels ? `, ${c.levels} levels` : ''})`).join(', ')}`,
        ),
      );
    } catch (err) {
      csvPreview.replaceChildren(h('p', { class: 'status failed' }, err.message));
    }
  };
  targetSelect.addEventListener('change', () => previewCsv());
  dataSelect.addEventListener('change', () => {
    const f = chosenCsv();
    targetSelect.replaceChildren(...(f?.columns ?? []).map((c) => h('option', { value: c }, c)));
    // The last column is the usual place of what to predict.
    if (f?.columns.length) targetSelect.value = f.columns.at(-1);
    showFields();
    previewCsv();
  });
  const strategy = h(
    'select',
    { name: 'strategy' },
    // The request's strategies (src/contracts/campaign-request.ts), auto first: lgt run's default.
    ['auto', 'random', 'grid', 'tpe', 'gp', 'cmaes', 'zo', 'fdpg', 'lgt', 'hybrid'].map((s) =>
      h('option', { value: s }, s),
    ),
  );
  const mode = h(
    'select',
    { name: 'mode' },
    h('option', { value: 'search' }, 'search (trials)'),
    h('option', { value: 'dynamic' }, 'dynamic (agents steer one run)'),
    h('option', { value: 'pbt' }, 'pbt (population-based training)'),
  );
  const trials = h('input', { name: 'trials', type: 'number', value: '20', min: '1' });
  const parallel = h('input', { name: 'parallel', type: 'number', value: '2', min: '1' });
  const epochs = h('input', {
    name: 'epochs',
    type: 'number',
    min: '1',
    placeholder: 'per config',
  });
  const agents = h(
    'select',
    { name: 'agents' },
    h('option', { value: 'rules' }, 'rule-based'),
    h('option', { value: 'llm' }, 'LLM'),
  );
  const optimizeEvery = h('input', { name: 'optimizeEvery', type: 'number', min: '1', value: '3' });
  const form = h(
    'form',
    {
      class: 'new-campaign',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          // The in-run modes train runs: no strategy or trial budget of their own.
          const search = mode.value === 'search';
          const body = {
            task: taskOfForm(),
            ...(search
              ? { strategy: strategy.value, maxTrials: Number(trials.value) }
              : { mode: mode.value }),
            parallel: Number(parallel.value),
            ...(epochs.value ? { epochs: Number(epochs.value) } : {}),
            ...(search && ['lgt', 'hybrid'].includes(strategy.value)
              ? { agents: agents.value, optimizeEvery: Number(optimizeEvery.value) }
              : {}),
            ...(mode.value === 'dynamic' ? { agents: agents.value } : {}),
          };
          const record = await (await api('POST', '/api/campaigns', body)).json();
          showError('');
          location.hash = `#/c/${record.id}`;
        } catch (err) {
          showError(err.message);
        }
      },
    },
    h('label', {}, 'data', dataSelect),
    h('label', { 'data-for': 'builtin' }, 'task', taskSelect),
    h('label', { 'data-for': 'csv' }, 'target column', targetSelect),
    csvPreview,
    h('label', { 'data-for': 'command' }, 'its space (JSON)', commandSpace),
    h('label', { 'data-for': 'command' }, 'metric it prints', commandMetric),
    h('label', { 'data-for': 'command' }, 'direction', commandDirection),
    h('label', {}, 'mode', mode),
    h('label', { 'data-for': 'search' }, 'strategy', strategy),
    h('label', { 'data-for': 'search' }, 'trials', trials),
    h('label', {}, 'at a time', parallel),
    h('label', {}, 'epochs', epochs),
    h('label', { 'data-for': 'agents' }, 'agents', agents),
    h('label', { 'data-for': 'prompt' }, 'rewrite prompt every', optimizeEvery),
    h('button', { class: 'primary', type: 'submit', id: 'start' }, 'Start campaign'),
  );
  /**
   * Only the fields that apply: a strategy and a trial budget in search mode; agents where they
   * speak (lgt, hybrid, the dynamic mode); the prompt's rewrite where there is an Optimizer.
   */
  const showFields = () => {
    const search = mode.value === 'search';
    const agentsSpeak = search
      ? ['lgt', 'hybrid'].includes(strategy.value)
      : mode.value === 'dynamic';
    const applies = {
      builtin: chosen().kind === 'builtin',
      csv: chosen().kind === 'csv',
      command: chosen().kind === 'command',
      search,
      agents: agentsSpeak,
      prompt: search && ['lgt', 'hybrid'].includes(strategy.value),
    };
    for (const label of form.querySelectorAll('label[data-for]'))
      label.hidden = !applies[label.dataset.for];
  };
  mode.addEventListener('change', showFields);
  strategy.addEventListener('change', showFields);
  showFields();
  // Campaigns ticked for comparison (kept across the list's refreshes).
  const compared = new Set();
  const compareButton = h(
    'button',
    {
      id: 'compare',
      disabled: true,
      onclick: () => (location.hash = `#/compare/${[...compared].join(',')}`),
    },
    'Compare the ticked campaigns',
  );
  app.replaceChildren(
    h('div', { class: 'card' }, h('h1', {}, 'Campaigns'), table, compareButton),
    h('div', { class: 'card' }, h('h2', {}, 'New campaign'), form),
  );
  const refresh = async () => {
    const { campaigns: items, invalid } = await getJson('/api/campaigns');
    const skipped = invalid.length
      ? [
          h(
            'tr',
            { class: 'invalid' },
            h(
              'td',
              { colspan: 8, class: 'muted' },
              `skipped ${invalid.length} invalid campaign record${invalid.length === 1 ? '' : 's'}: ${invalid.map((e) => e.id).join(', ')} (the server's log says why)`,
            ),
          ),
        ]
      : [];
    tbody.replaceChildren(
      ...skipped,
      ...(items.length === 0
        ? [
            h(
              'tr',
              {},
              h(
                'td',
                { colspan: 8, class: 'muted' },
                'no campaigns yet: start one below, or with lgt run',
              ),
            ),
          ]
        : items.map(({ campaign: c, counts }) =>
            h(
              'tr',
              { onclick: () => (location.hash = `#/c/${c.id}`), 'data-id': c.id },
              h(
                'td',
                {},
                h('input', {
                  type: 'checkbox',
                  class: 'compare',
                  checked: compared.has(c.id),
                  title: 'compare',
                  onclick: (e) => {
                    e.stopPropagation();
                    if (e.target.checked) compared.add(c.id);
                    else compared.delete(c.id);
                    compareButton.disabled = compared.size < 2;
                  },
                }),
              ),
              h('td', {}, h('a', { href: `#/c/${c.id}` }, c.id)),
              h('td', {}, c.taskName),
              h('td', {}, howTuned(c.request)),
              h('td', {}, h('span', { class: `status ${c.status}` }, c.status)),
              h(
                'td',
                {},
                `${finishedCount(counts)}${inRunMode(c.request) ? '' : `/${c.request.maxTrials}`}`,
              ),
              h(
                'td',
                {},
                c.best ? `${c.metric.name} ${formatNumber(c.best.value)} (#${c.best.trial})` : '-',
              ),
              h('td', {}, age(c.createdAt)),
            ),
          )),
    );
  };
  await refresh();
  const timer = setInterval(() => refresh().catch((e) => showError(e.message)), 3000);
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------- one campaign

/** The space as the trials show it: numbers by their observed range, everything else as choices. */
function observedSpace(trials) {
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

async function campaignPage(id) {
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
  brushParallel(parallelCanvas, () =>
    drawParallel(
      parallelCanvas,
      observedSpace([...trials.values()]),
      [...trials.values()],
      metric,
      c.metric.direction,
      formatNumber,
    ),
  );
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
    const rows = [...trials.values()].sort((a, b) => {
      const x = a[sortKey];
      const y = b[sortKey];
      if (x === y) return a.number - b.number;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      return (x < y ? -1 : 1) * sortDir;
    });
    tableNote.textContent =
      rows.length > MAX_ROWS
        ? `showing ${MAX_ROWS} of ${rows.length.toLocaleString('en')} trials (sort by a column to see others)`
        : `${rows.length} trials`;
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

/**
 * A page per trial: what it tried (as changes from the default), why (its proposal's reason),
 * how it went (its curve, scores, worker, times, attempts, error) and what was said about it
 * (its events, the Evaluator's verdicts on it).
 */
async function trialPage(id, n) {
  const [{ trial: t, curve, events }, overview] = await Promise.all([
    getJson(`/api/campaigns/${id}/trials/${n}`),
    getJson(`/api/campaigns/${id}`),
  ]);
  const c = overview.campaign;
  const metric = c.metric.name;
  // The default configuration, to say what this trial changed (trial 1 unless told otherwise).
  const first =
    n === 1 ? { trial: t } : await getJson(`/api/campaigns/${id}/trials/1`).catch(() => null);
  const base = first?.trial?.source === 'default' ? first.trial.config : null;
  const when = (ms) =>
    typeof ms === 'number' ? `${new Date(ms).toISOString().slice(0, 10)} ${formatClock(ms)}` : '-';
  const facts = [
    ['state', t.state],
    [selectionScoreName(c.request, metric), formatNumber(t.value)],
    ...(t.foldValues ? [['folds', t.foldValues.map((v) => formatNumber(v)).join(', ')]] : []),
    ...Object.entries(t.validation ?? {}).map(([k, v]) => [`validation ${k}`, formatNumber(v)]),
    ['proposed by', t.source],
    ['worker', t.worker ?? '-'],
    ['started', when(t.startedAt)],
    ['finished', when(t.finishedAt)],
    ['time', t.seconds !== undefined ? formatSeconds(t.seconds) : '-'],
    ['epochs', t.epochsRun ?? '-'],
    ['attempts', t.attempts],
    ...(t.seed !== undefined ? [['seed', t.seed]] : []),
    ...(t.error ? [['error', t.error]] : []),
  ];
  const curveEl = h('div', { id: 'trial-curve' });
  const verdicts = events
    .filter((e) => e.type === 'agent.message')
    .flatMap((e) => (e.reply?.verdicts ?? []).filter((v) => v.trial === n))
    .map((v) => h('p', {}, h('b', {}, `${v.verdict}: `), v.explanation));
  app.replaceChildren(
    h(
      'div',
      { class: 'card' },
      h(
        'h1',
        {},
        h('a', { href: '#/' }, 'campaigns'),
        ' / ',
        h('a', { href: `#/c/${encodeURIComponent(id)}` }, id),
        ` / trial #${n} `,
        h('span', { class: `status ${t.state}`, id: 'trial-state' }, t.state),
      ),
      h('p', { id: 'trial-reason' }, t.reason || 'no reason given'),
      h(
        'table',
        { id: 'trial-facts' },
        h(
          'tbody',
          {},
          facts.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, String(v)))),
        ),
      ),
    ),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'card' },
        h('h2', {}, base ? 'what it changed from the default' : 'its configuration'),
        h('p', { id: 'trial-config' }, configChanges(t.config, base)),
        h('h2', {}, "the Evaluator's verdict"),
        ...(verdicts.length ? verdicts : [h('p', { class: 'muted' }, 'none about this trial')]),
      ),
      h('div', { class: 'card' }, h('h2', {}, 'learning curve'), curveEl),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'what happened to it'),
      h(
        'ul',
        { id: 'trial-events' },
        events
          .filter((e) => e.type !== 'agent.message')
          .map((e) =>
            h(
              'li',
              {},
              `${formatClock(e.at)} ${e.type}${'value' in e ? ` ${formatNumber(e.value)}` : ''}${'error' in e && e.error ? `: ${e.error}` : ''}${'worker' in e ? ` on ${e.worker}` : ''}`,
            ),
          ),
      ),
    ),
  );
  new CurvesChart(curveEl, metric).update(new Map([[n, curve]]), new Map([[n, t.state]]));
}

/**
 * Campaigns side by side (of the same task, or at least the same metric): the best so far by
 * trial, one line each, and how their trials' scores are spread. What a person asks of two
 * strategies or two seeds.
 */
async function comparePage(ids) {
  const overviews = await Promise.all(
    ids.map((id) => getJson(`/api/campaigns/${encodeURIComponent(id)}?trials=summary`)),
  );
  const first = overviews[0].campaign;
  const metric = first.metric.name;
  const direction = first.metric.direction;
  const better = (a, b) => (direction === 'maximize' ? a > b : a < b);
  const bestEl = h('div', { id: 'compare-best' });
  const edfEl = h('div', { id: 'compare-edf' });
  const mixed = overviews.some((o) => o.campaign.metric.name !== metric);
  app.replaceChildren(
    h(
      'div',
      { class: 'card' },
      h('h1', {}, h('a', { href: '#/' }, 'campaigns'), ' / compared'),
      h(
        'ul',
        { id: 'compared' },
        overviews.map((o) =>
          h(
            'li',
            {},
            h('a', { href: `#/c/${o.campaign.id}` }, o.campaign.id),
            ` · ${o.campaign.taskName} · ${howTuned(o.campaign.request)} · seed ${o.campaign.request.seed} · best ${formatNumber(o.campaign.best?.value)}`,
          ),
        ),
      ),
      mixed ? h('p', { class: 'status failed' }, 'these campaigns score different metrics') : null,
    ),
    h(
      'div',
      { class: 'grid' },
      h('div', { class: 'card' }, h('h2', {}, `best ${metric} so far, by trial`), bestEl),
      h('div', { class: 'card' }, h('h2', {}, `how their trials' ${metric} is spread`), edfEl),
    ),
  );
  const longest = Math.max(...overviews.map((o) => o.trials.length), 1);
  const x = Array.from({ length: longest }, (_, i) => i + 1);
  const series = overviews.map((o) => {
    const byNumber = new Map(o.trials.map((t) => [t.number, t.value]));
    let b = null;
    return x.map((n) => {
      const v = byNumber.get(n);
      if (typeof v === 'number' && (b === null || better(v, b))) b = v;
      return b;
    });
  });
  const labels = overviews.map(
    (o) => `${howTuned(o.campaign.request)} (${o.campaign.id.slice(-4)})`,
  );
  drawLines(bestEl, { x, series, labels, xLabel: 'trial', yLabel: `best ${metric} so far` });
  // The spread: each campaign's sorted scores against their share, on one value axis.
  const all = [...new Set(overviews.flatMap((o) => o.trials.map((t) => t.value)))]
    .filter((v) => typeof v === 'number')
    .sort((a, b) => a - b);
  const shares = overviews.map((o) => {
    const vs = o.trials.map((t) => t.value).filter((v) => typeof v === 'number');
    return all.map((v) => vs.filter((w) => w <= v).length / Math.max(1, vs.length));
  });
  drawLines(edfEl, {
    x: all,
    series: shares,
    labels,
    xLabel: `validation ${metric}`,
    yLabel: 'share of trials',
    stepped: true,
  });
  bestEl.dataset.campaigns = String(overviews.length);
}

async function route() {
  cleanup();
  cleanup = () => {};
  showError('');
  const m = /^#\/c\/([a-z0-9-]+)$/.exec(location.hash);
  const trial = /^#\/c\/([a-z0-9-]+)\/t\/(\d+)$/.exec(location.hash);
  const compare = /^#\/compare\/([a-z0-9-]+(?:,[a-z0-9-]+)+)$/.exec(location.hash);
  try {
    cleanup =
      (compare
        ? await comparePage(compare[1].split(','))
        : trial
          ? await trialPage(trial[1], Number(trial[2]))
          : m
            ? await campaignPage(m[1])
            : await listPage()) ?? (() => {});
  } catch (err) {
    showError(err.message);
  }
}

window.addEventListener('hashchange', route);
route();
