// A campaign's page: its status and outcome, its charts, its trials and the agents' conversation,
// live from its event stream.
import {
  api,
  app,
  authHeaders,
  getJson,
  h,
  inRunMode,
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
  SliceChart,
} from '/dashboard/charts.js';
import { describeTuning, formatNumber } from '/dashboard/format.js';
import {
  renderImportance,
  renderOutcome,
  renderPrompts,
  renderStats,
} from '/dashboard/campaign-panels.js';
import { CONVERSATION_TYPES, conversationEntry, MAX_MESSAGES } from '/dashboard/conversation.js';
import { RunPanel } from '/dashboard/run-panel.js';
import { TradeOffPanel } from '/dashboard/trade-off-panel.js';
import { applyTrialEvent } from '/dashboard/trial-events.js';
import { TrialsTable } from '/dashboard/trials-table.js';

/** Curves shown at once with "every finished trial's" (the API's limit per request). */
const MAX_CURVES = 200;
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
  const direction = c.metric.direction;
  const trials = new Map(light.map((t) => [t.number, { config: {}, ...t }]));
  const list = () => [...trials.values()];
  /** The trials whose learning curves are compared (a row's click). */
  const selected = new Set();
  /** Conversation entries already shown (the live stream may replay some of the past ones). */
  const shown = new Set();

  const head = {
    stats: h('div', { class: 'row', id: 'stats' }),
    running: h('div', { id: 'running', class: 'muted' }),
    cancelButton: h('button', { id: 'cancel', onclick: () => act('cancel') }, 'Cancel'),
    resumeButton: h('button', { id: 'resume', onclick: () => act('resume') }, 'Resume'),
    statusBadge: h('span', { class: `status ${c.status}`, id: 'status' }, c.status),
  };
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
  const table = new TrialsTable({ id, campaign: c, trials, selected, onToggle: toggle });
  const conversation = h('div', { class: 'conversation', id: 'conversation' });
  // In-run modes: the run that is the result, with its accepted changes marked.
  const run = inRunMode(c.request) ? new RunPanel(c) : null;
  // Several objectives or constraints: the front and its hypervolume.
  const tradeOff = overview.tradeOff ? new TradeOffPanel(c) : null;
  const importanceEl = h('div', { id: 'importance' });
  /** The default configuration (the campaign's control, trial 1), once its record is read. */
  const defaultConfig = () => {
    for (const t of trials.values())
      if (t.source === 'default' && Object.keys(t.config).length) return t.config;
    return null;
  };
  const promptSelect = h('select', { id: 'prompt-version' });
  const promptView = h('div', { id: 'prompt-view' });

  const card = (...children) => h('div', { class: 'card' }, ...children);
  app.replaceChildren(
    card(
      h('h1', {}, h('a', { href: '#/' }, 'campaigns'), ' / ', id, ' ', head.statusBadge),
      h(
        'p',
        { class: 'muted' },
        `${c.taskName} · ${describeTuning(c.request)} · ${c.request.parallel} at a time · seed ${c.request.seed} · ${metric} (${direction === 'maximize' ? 'higher' : 'lower'} is better)`,
      ),
      head.stats,
      head.running,
      outcomeEl,
      h('div', { class: 'row' }, head.cancelButton, head.resumeButton),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        h('h2', {}, `${metric} by trial, and the best so far`),
        progressEl,
        h('label', { class: 'muted' }, logScale, ' log scale (where every value is above 0)'),
      ),
      card(h('h2', {}, 'learning curves'), curvesEl, curvesNote),
    ),
    // replaceChildren would print a null as text: the card is there or nothing is.
    ...(run ? [run.card] : []),
    ...(tradeOff ? [tradeOff.card] : []),
    h(
      'div',
      { class: 'grid' },
      card(
        h(
          'h2',
          {},
          'configuration against metric (parallel coordinates; drag along an axis to filter)',
        ),
        parallelCanvas,
      ),
      card(h('h2', {}, 'what mattered'), importanceEl),
    ),
    h(
      'div',
      { class: 'grid' },
      card(h('h2', {}, `${metric} against one dimension (slice) `, sliceSelect), sliceEl),
      card(h('h2', {}, `how the trials' ${metric} is spread (empirical distribution)`), edfEl),
    ),
    card(
      h('h2', {}, `${metric} over two dimensions (contour) `, contourX, ' against ', contourY),
      contourCanvas,
    ),
    card(
      h('h2', {}, 'where the time went (each trial process, its trials over time)'),
      timelineCanvas,
    ),
    card(h('h2', {}, 'trials'), table.note, table.table),
    h(
      'div',
      { class: 'grid' },
      card(h('h2', {}, 'agents'), conversation),
      card(h('h2', {}, 'prompt versions'), promptSelect, promptView),
    ),
  );

  const progress = new ProgressChart(progressEl, metric, direction);
  const curves = new CurvesChart(curvesEl, metric);
  run?.mount();
  const slice = new SliceChart(sliceEl, metric);
  const edf = new EdfChart(edfEl, metric);
  // Brushing filters the table too: it lists the trials within the ranges.
  brushParallel(parallelCanvas, () => {
    drawParallel(parallelCanvas, observedSpace(list()), list(), metric, direction, formatNumber);
    renderTable();
  });

  function renderTable() {
    table.brushed = parallelCanvas.kept ?? null;
    table.render();
  }

  /**
   * The contour of two numeric dimensions: by default the two that mattered most (the
   * importance ranking), else the first two.
   */
  function renderContour() {
    const numeric = observedSpace(list()).filter((p) => p.kind === 'float');
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
    if (px && py) drawContour(contourCanvas, px, py, list(), direction, formatNumber);
  }

  /** The slice plot of the chosen dimension (the first, the most important when known). */
  function renderSlice() {
    const space = observedSpace(list());
    const names = space.map((p) => p.name);
    if (names.join() !== [...sliceSelect.options].map((o) => o.value).join()) {
      const keep = sliceSelect.value;
      sliceSelect.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
      if (names.includes(keep)) sliceSelect.value = keep;
    }
    const param = space.find((p) => p.name === sliceSelect.value);
    if (param) slice.update(param, list());
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

  function renderCharts() {
    progress.update(list());
    tradeOff?.update(overview.tradeOff, list());
    drawParallel(parallelCanvas, observedSpace(list()), list(), metric, direction, formatNumber);
    renderSlice();
    renderContour();
    edf.update(list());
    drawTimeline(timelineCanvas, list(), formatNumber);
  }

  async function renderCurves() {
    const sign = direction === 'maximize' ? -1 : 1;
    const bestFirst = (a, b) => sign * (a.value - b.value);
    if (allCurves.checked) {
      // Every finished trial, pruned ones included, the best first, as many as the API gives.
      const every = list()
        .filter((t) => typeof t.value === 'number' && ['completed', 'pruned'].includes(t.state))
        .sort(bestFirst)
        .slice(0, MAX_CURVES)
        .map((t) => t.number);
      if (every.length === 0) return;
      await drawCurves(every);
      return;
    }
    if (selected.size === 0) {
      // The best few by default.
      const best = list()
        .filter((t) => typeof t.value === 'number')
        .sort(bestFirst)
        .slice(0, 3);
      for (const t of best) selected.add(t.number);
    }
    if (selected.size === 0) return;
    await drawCurves([...selected]);
  }

  async function drawCurves(numbers) {
    const got = await getJson(`/api/campaigns/${id}/curves?trials=${numbers.join(',')}`);
    curves.update(
      new Map(Object.entries(got).map(([k, v]) => [Number(k), v])),
      new Map(numbers.map((n) => [n, trials.get(n)?.state])),
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
    renderStats(head, overview, metric);
    tradeOff?.update(overview.tradeOff, list());
  }

  async function loadImportance() {
    const before = ranking.join();
    ranking = await renderImportance(importanceEl, id);
    // The contour's default pair: the two that mattered most (read again when it changes).
    if (ranking.join() !== before) {
      contourX.replaceChildren();
      renderContour();
    }
  }

  const loadOutcome = () => renderOutcome(outcomeEl, id);
  const loadPrompts = () => renderPrompts(promptSelect, promptView, id);
  const loadRun = async () => run?.load(id);

  function showInConversation(e, live) {
    if (!CONVERSATION_TYPES.includes(e.type) || shown.has(e.id)) return;
    shown.add(e.id);
    const entry = conversationEntry(e, metric, defaultConfig());
    if (!entry) return;
    const atBottom =
      conversation.scrollTop + conversation.clientHeight >= conversation.scrollHeight - 20;
    conversation.append(entry);
    if (live && atBottom) conversation.scrollTop = conversation.scrollHeight;
  }

  function applyEvent(e) {
    applyTrialEvent(trials, e);
    if (e.type === 'inrun.decision') run?.noteDecision(e);
    if (e.type === 'campaign.finished') {
      loadRun().catch((err) => showError(err.message));
      loadOutcome().catch((err) => showError(err.message));
    }
    showInConversation(e, true);
  }

  renderStats(head, overview, metric);
  renderTable();
  progress.update(list());
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
    if (e.type === 'inrun.decision' && !shown.has(e.id) && !run?.drawn) run?.noteDecision(e);
    showInConversation(e, false);
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
