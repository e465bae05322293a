// The campaign list, with the form that starts a campaign and the boxes to compare some.
import {
  age,
  api,
  app,
  finishedCount,
  getJson,
  h,
  inRunMode,
  showError,
} from '/dashboard/page-kit.js';
import { describeTuning, formatNumber } from '/dashboard/format.js';

export async function listPage() {
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
              h('td', {}, describeTuning(c.request)),
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
