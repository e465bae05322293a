import { styleText } from 'node:util';

/**
 * What the command line prints to people: colour only on a terminal (and never with NO_COLOR),
 * progress on stderr so stdout stays clean for --json and pipes.
 */
type Style = Parameters<typeof styleText>[0];

function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';
}

export function paint(
  style: Style,
  text: string,
  stream: NodeJS.WriteStream = process.stdout,
): string {
  return useColour(stream) ? styleText(style, text) : text;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${Math.round(seconds - 60 * m)
    .toString()
    .padStart(2, '0')}s`;
}

const BARS = '▁▂▃▄▅▆▇█';

/** A one-line chart of a series (NaN shown as a space), at most `width` characters wide. */
export function sparkline(series: number[], width = 60): string {
  const step = Math.ceil(series.length / width);
  const values = step <= 1 ? series : series.filter((_, i) => (series.length - 1 - i) % step === 0);
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      const k =
        hi === lo ? BARS.length - 1 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[k];
    })
    .join('');
}

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][], stream: NodeJS.WriteStream = process.stdout): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => visibleLength(r[c] ?? ''))));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) => cell + ' '.repeat(widths[c]! - visibleLength(cell)))
        .join('  ');
      return i === 0 ? paint('bold', line.trimEnd(), stream) : line.trimEnd();
    })
    .join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** An in-place status line on a terminal (nothing when stderr is not one). */
export class StatusLine {
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    if (!this.stream.isTTY) return;
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r${text.slice(0, width - 1)}\u001b[K`);
    this.shown = true;
  }

  /** Prints a permanent line (clearing the status line first), on the status stream or `to`. */
  log(text: string, to: NodeJS.WriteStream = this.stream): void {
    this.clear();
    to.write(`${text}\n`);
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\u001b[K');
    this.shown = false;
  }
}

/** Tells a person what lgt decided about their data (rows dropped, columns left out). */
export function printTaskNotes(task: { notes?: string[] }): void {
  for (const note of task.notes ?? []) process.stderr.write(`lgt: note: ${note}\n`);
}
