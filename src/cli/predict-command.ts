import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { readCsvRecords } from '../data/csv-table.ts';
import { loadPredictor, type Prediction } from '../predict/predictor.ts';
import { RowError, type RawRow } from '../task-kinds/tabular/tabular-encoding.ts';
import { UsageError } from './usage-error.ts';

interface PredictOptions {
  model: string;
  csv: string;
  out?: string;
  json?: boolean;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      "predict new rows with a campaign's best model (runs/<campaign>/model): a label with its class probabilities, or a value",
    )
    .requiredOption('--model <dir>', 'the model directory a campaign wrote: runs/<campaign>/model')
    .requiredOption('--csv <file>', 'the rows to predict: the columns the model was trained on')
    .option('--out <file>', 'write the predictions here as CSV (default: standard output)')
    .option('--json', 'one JSON object per row on standard output')
    .action(async (opts: PredictOptions) => {
      const predictor = await loadPredictor(path.resolve(opts.model)).catch((error: Error) => {
        throw new UsageError(error.message);
      });
      const encoding = predictor.encoding;
      if (encoding.format === 'lgt-image-encoding') {
        predictor.dispose();
        throw new UsageError(
          `${opts.model} is an image model (${encoding.height}x${encoding.width}x${encoding.channels}, ${encoding.classNames.length} classes) and lgt predict reads CSV rows: classify images from a script with loadPredictor('${opts.model}') and predictImages (see "Predicting with the best model" in docs/campaigns.md)`,
        );
      }
      const csv = await readCsvRecords(opts.csv).catch((error: Error) => {
        throw new UsageError(error.message);
      });
      const lacking = predictor.columns.filter((c) => !csv.names.includes(c));
      if (lacking.length)
        throw new UsageError(
          `${opts.csv} lacks column${lacking.length > 1 ? 's' : ''} the model was trained with: ${lacking.join(', ')}`,
        );
      const rows: RawRow[] = csv.rows.map((cells) =>
        Object.fromEntries(csv.names.map((n, i) => [n, cells[i]!])),
      );
      let predictions: Prediction[];
      try {
        predictions = predictor.predict(rows);
      } catch (error) {
        if (error instanceof RowError)
          throw new UsageError(
            `${opts.csv}: ${error.message} (line ${error.row + 1}, after the header)`,
          );
        throw error;
      } finally {
        predictor.dispose();
      }
      const unseen = predictions.filter((p) => p.unseen);
      if (unseen.length) {
        const examples = [...new Set(unseen.flatMap((p) => p.unseen!))].slice(0, 5);
        process.stderr.write(
          `lgt: note: ${unseen.length} row${unseen.length > 1 ? 's have' : ' has'} categories the model never saw in training (${examples.join(', ')}); they set none of their column's inputs\n`,
        );
      }
      if (opts.json) {
        process.stdout.write(predictions.map((p) => `${JSON.stringify(p)}\n`).join(''));
        return;
      }
      const text = predictionsCsv(csv.names, csv.rows, predictions, encoding.classNames);
      if (opts.out) {
        await writeFile(opts.out, text);
        process.stderr.write(`lgt: ${predictions.length} predictions written to ${opts.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}

/** The input rows with the prediction after them (and, for classes, each class's probability). */
function predictionsCsv(
  names: string[],
  rows: string[][],
  predictions: Prediction[],
  classNames: string[] | undefined,
): string {
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = [...names, 'prediction', ...(classNames ?? []).map((c) => `p_${c}`)];
  const lines = rows.map((cells, i) => {
    const p = predictions[i]!;
    const extra = classNames
      ? [p.label, ...classNames.map((c) => p.probabilities![c]!.toPrecision(4))]
      : [p.value!.toPrecision(6)];
    return [...cells, ...extra].map(cell).join(',');
  });
  return `${[header.map(cell).join(','), ...lines].join('\n')}\n`;
}
