/**
 * bench/llm.ts end to end against a scripted OpenAI-compatible server on 127.0.0.1 (the tests'
 * ScriptedLlmServer): proves the harness, measures nothing. The scripted Advisor takes the
 * core's first candidate from the prompt as it is (or proposes nothing when there is none); its
 * answers are scripted, not an LLM's.
 *
 *   LGT_BENCHMARKS_DIR=../shared/benchmarks npx tsx bench/llm-scripted.ts
 */
import { spawn } from 'node:child_process';
import { ScriptedLlmServer, type RecordedRequest } from '../test/helpers/scripted-llm-server.ts';

/** The first candidate line of the Advisor's prompt, `C1: a=1, b=x (...)`, as a configuration. */
function firstCandidate(r: RecordedRequest): Record<string, unknown>[] {
  const system = r.body.messages.find((m) => m.role === 'system')?.content ?? '';
  const line = /^C1: (.*?) \(/m.exec(system)?.[1];
  if (!line) return [];
  const config = Object.fromEntries(
    line.split(', ').map((pair) => {
      const [k, v] = pair.split('=') as [string, string];
      const n = Number(v);
      return [k, v === 'true' ? true : v === 'false' ? false : Number.isFinite(n) ? n : v];
    }),
  );
  return [config];
}

const server = new ScriptedLlmServer({
  advisor: (r) => ({
    content: {
      analysis: 'scripted: the core first candidate, as it is',
      proposals: firstCandidate(r).map((config) => ({
        config,
        reason: 'scripted',
        expected_effect: 'as the core expects',
      })),
    },
    tokens: { prompt: 1000, completion: 50 },
  }),
  evaluator: () => ({ content: { textual_gradient: 'scripted', verdicts: [], lessons: [] } }),
  optimizer: () => ({ status: 500, content: 'no optimizer here' }),
});
const url = await server.start();
try {
  // Not spawnSync: the scripted server answers from this process's event loop.
  const child = spawn(
    'npx',
    [
      'tsx',
      'bench/llm.ts',
      '--base-url',
      url,
      '--model',
      'scripted-model',
      '--tasks',
      'bench:lcbench/167168',
      '--variants',
      'core,hybrid@0.5,rules@0.5',
      '--core',
      'cmaes',
      '--seeds',
      '2',
      '--budget',
      '20',
      '--out',
      '/tmp/llm-bench-scripted',
    ],
    { stdio: 'inherit', env: { ...process.env, OPENAI_API_KEY: 'sk-scripted-not-a-key' } },
  );
  process.exitCode = await new Promise<number>((resolve) =>
    child.on('exit', (c) => resolve(c ?? 1)),
  );
} finally {
  await server.stop();
}
