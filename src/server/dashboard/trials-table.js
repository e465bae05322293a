// The campaign page's table of trials: sortable by a column, filtered by the ranges brushed on
// the parallel coordinates, a row's click selecting its learning curve for comparison.
import { formatConfig, formatSeconds, h, selectionScoreName } from '/dashboard/page-kit.js';
import { formatNumber } from '/dashboard/format.js';

/** Table rows drawn at most: the page stays quick on a campaign of 10,000 trials. */
const MAX_ROWS = 300;

export class TrialsTable {
  /**
   * `trials` is the page's map of trials by number (read at each render); `selected` the numbers
   * whose curves are compared; `onToggle(n)` is called when a row is clicked.
   */
  constructor({ id, campaign, trials, selected, onToggle }) {
    this.id = id;
    this.trials = trials;
    this.selected = selected;
    this.onToggle = onToggle;
    this.sortKey = 'number';
    this.sortDir = 1;
    /** The trial numbers within the brushed ranges, or null (no range brushed). */
    this.brushed = null;
    this.body = h('tbody');
    this.note = h('p', { class: 'muted', id: 'table-note' });
    const columns = [
      ['number', '#'],
      ['state', 'state'],
      ['value', selectionScoreName(campaign.request, campaign.metric.name)],
      ['source', 'source'],
      ['seconds', 'time'],
      ['epochsRun', 'epochs'],
      ['config', 'configuration'],
    ];
    const head = h(
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
                    // A score sorts best first: highest for a metric to maximize.
                    this.sortDir =
                      this.sortKey === key
                        ? -this.sortDir
                        : key === 'value' && campaign.metric.direction === 'maximize'
                          ? -1
                          : 1;
                    this.sortKey = key;
                    this.render();
                  },
                },
            label,
          ),
        ),
      ),
    );
    this.table = h('table', { id: 'trials' }, head, this.body);
  }

  render() {
    const { sortKey, sortDir, brushed } = this;
    const all = [...this.trials.values()];
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
    this.note.textContent =
      rows.length > MAX_ROWS
        ? `showing ${MAX_ROWS} of ${formatNumber(rows.length)} trials${within} (sort by a column to see others)`
        : `${formatNumber(rows.length)} trials${within}`;
    this.body.replaceChildren(...rows.slice(0, MAX_ROWS).map((t) => this.row(t)));
  }

  row(t) {
    return h(
      'tr',
      {
        class: this.selected.has(t.number) ? 'selected' : '',
        'data-trial': t.number,
        onclick: () => this.onToggle(t.number),
      },
      h(
        'td',
        {},
        // Its own page; the row's click (compare curves) is left alone.
        h(
          'a',
          {
            href: `#/c/${encodeURIComponent(this.id)}/t/${t.number}`,
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
    );
  }
}
