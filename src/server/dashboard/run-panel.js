// In-run modes (dynamic, PBT): the run that is the campaign's result, with the changes it kept.
import { getJson, h } from '/dashboard/page-kit.js';
import { RunChart } from '/dashboard/charts.js';

export class RunPanel {
  constructor(campaign) {
    this.chartEl = h('div', { id: 'run-chart' });
    this.changes = h('ul', { id: 'run-changes' });
    this.note = h(
      'p',
      { class: 'muted', id: 'run-note' },
      'the run is drawn when the campaign ends; accepted changes are listed as they come',
    );
    this.card = h(
      'div',
      { class: 'card', id: 'run-card' },
      h('h2', {}, `the run (${campaign.request.mode} mode) and the changes it kept`),
      this.chartEl,
      this.note,
      this.changes,
    );
    this.metric = campaign.metric.name;
    this.chart = null;
  }

  /** Once the card is on the page (uPlot measures its parent). */
  mount() {
    this.chart = new RunChart(this.chartEl, this.metric);
  }

  /** Whether the result's run is drawn (then decisions come from the report, not the log). */
  get drawn() {
    return Boolean(this.chart?.plot);
  }

  /** Before the report: each accepted change as it is decided. */
  noteDecision(e) {
    if (!this.chart || e.verdict !== 'accepted') return;
    this.changes.append(
      h(
        'li',
        {},
        h('b', {}, `after epoch ${e.epoch}: `),
        `${e.change} (run ${e.run}, #${e.changeTrial})`,
      ),
    );
  }

  /** Once finished: the result's run from the report, and the changes it kept. */
  async load(id) {
    if (!this.chart) return;
    const report = await getJson(`/api/campaigns/${id}/report`).catch(() => null);
    const run = report?.inRun;
    if (!run) return;
    this.chart.update(run.curve, run.changes);
    this.note.textContent = `${run.cost.epochs} epochs trained in all for a run of ${run.cost.runEpochs} (${run.cost.trials} stretches${run.cost.llmCalls ? `, ${run.cost.llmCalls} LLM calls, ${run.cost.tokens} tokens` : ''})`;
    this.changes.replaceChildren(
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
}
