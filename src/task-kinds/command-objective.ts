import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { environmentWithoutSecrets } from '../secrets/redact.ts';
import { SearchSpace } from '../search-space/search-space.ts';
import { checkSpaceFile, spaceFileParams } from '../search-space/space-file.ts';
import { runCommand } from './command-process.ts';
import { checkPlaceholders, commandArgv } from './command-template.ts';
import type { ObjectiveMetrics, ObjectiveTask } from './objective.ts';
import type { CommandTaskSpec } from './task-spec.ts';

/** Metric lines kept from a command's output that were not JSON, for the error message. */
const MAX_REPORTED_GARBAGE = 3;

/**
 * An objective that is a command in any language: each trial runs it once with the configuration
 * in its arguments ({placeholders}), in LGT_CONFIG (JSON) and in a file (LGT_CONFIG_FILE). It
 * prints JSON lines; a line with "epoch" is a point of the learning curve (and may prune the
 * trial), and the last line with the metric is the result. A non-zero exit fails the trial with
 * the tail of its stderr.
 */
export function commandObjective(spec: CommandTaskSpec): ObjectiveTask {
  const file = checkSpaceFile(spec.space, 'the space');
  const space = new SearchSpace(spaceFileParams(file));
  checkPlaceholders(
    spec.command,
    space.params.map((p) => p.name),
  );
  const metric = spec.metric;
  return {
    kind: 'objective',
    name: spec.name ?? file.name ?? path.basename(spec.cwd),
    title: spec.name ?? file.name ?? 'command',
    description:
      file.description ??
      `The command \`${spec.command}\`, tuned on ${metric} (${spec.direction}). Its parameters are described in the space.`,
    metric: { name: metric, direction: spec.direction },
    space,
    baseline: space.defaults(),
    dataSummary: `the command ${spec.command} (run in ${spec.cwd})`,
    async objective(config, trial) {
      const dir = mkdtempSync(path.join(tmpdir(), 'lgt-trial-'));
      const configFile = path.join(dir, 'config.json');
      writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
      // A prune (after a report) or a stop of the trial (cancel, timeout) ends the process group.
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      trial.signal.addEventListener('abort', onAbort);
      if (trial.signal.aborted) onAbort();
      const env: NodeJS.ProcessEnv = {
        // Never the LLM's keys, tokens or Redis's address: the command is the user's code.
        ...environmentWithoutSecrets(process.env),
        LGT_CONFIG: JSON.stringify(config),
        LGT_CONFIG_FILE: configFile,
        LGT_SEED: String(trial.seed),
        LGT_TRIAL: String(trial.number),
        LGT_METRIC: metric,
        LGT_FINAL: trial.final ? '1' : '0',
        // Python buffers a pipe's output: without this its epochs would arrive at its end.
        PYTHONUNBUFFERED: '1',
      };
      for (const name of ['LGT_WORKER_REDIS_URL', 'LGT_REDIS_URL', 'REDIS_URL']) delete env[name];
      let result: ObjectiveMetrics | undefined;
      const garbage: string[] = [];
      let garbageCount = 0;
      try {
        const exit = await runCommand({
          argv: commandArgv(spec.command, config, {
            seed: String(trial.seed),
            trial: String(trial.number),
            config_file: configFile,
          }),
          cwd: spec.cwd,
          env,
          signal: stop.signal,
          onLine: async (line) => {
            const metrics = metricLine(line);
            if (!metrics) {
              if (line.trimStart().startsWith('{') && garbageCount++ < MAX_REPORTED_GARBAGE)
                garbage.push(line.slice(0, 200));
              return;
            }
            const { epoch, ...values } = metrics;
            if (!(metric in values)) return;
            result = values;
            if (epoch !== undefined) {
              await trial.report(epoch, values);
              if (trial.shouldStop()) stop.abort();
            }
          },
        });
        if (exit.stopped) return result;
        if (exit.code !== 0) {
          const how =
            exit.code !== null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
          throw new Error(
            `the command ${how}${exit.stderrTail.length ? `; the end of its stderr:\n${exit.stderrTail.join('\n')}` : ' and printed nothing on stderr'}`,
          );
        }
        if (!result) {
          const seen = exit.stdoutTail.length
            ? `; the end of its output:\n${exit.stdoutTail.join('\n')}`
            : '; it printed nothing on stdout';
          throw new Error(
            `the command printed no JSON line with "${metric}" (print one such as {"epoch": 1, "${metric}": 0.5} per epoch, or one at the end)${garbage.length ? `; lines that looked like JSON but were not: ${garbage.join(' | ')}` : ''}${seen}`,
          );
        }
        return result;
      } finally {
        trial.signal.removeEventListener('abort', onAbort);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A line's numbers when it is a JSON object (non-numeric fields are ignored); null for anything
 * else, which is the command's own log output. "epoch" must be a whole number from 1.
 */
function metricLine(line: string): ({ epoch?: number } & ObjectiveMetrics) | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: ObjectiveMetrics = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'number') out[k] = v;
  if ('epoch' in out && !(Number.isInteger(out['epoch']) && out['epoch']! >= 1))
    delete out['epoch'];
  return out;
}
