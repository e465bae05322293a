import { formatParamValue } from '../src/search-space/format-config.ts';
import type { Config } from '../src/search-space/search-space.ts';
import type { EvaluatorReply } from './agent-schemas.ts';
import {
  RULES_META,
  type AgentAnswer,
  type Evaluator,
  type EvaluatorInput,
} from './agent-types.ts';
import { bestOf, curveTrend, formatValue as fmt, noiseOf } from './campaign-digest.ts';
import { gainSign } from '../src/maths/direction.ts';

/** What differs between two configurations, as "field a→b". */
function changes(from: Config, to: Config): string[] {
  const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
  return [...keys]
    .filter((k) => from[k] !== to[k])
    .map((k) => `${k} ${formatParamValue(from[k])}→${formatParamValue(to[k])}`);
}

/**
 * The Evaluator's stand-in when no LLM is configured: compares each trial of the round with the
 * best before it, allowing for the run-to-run noise; says which changes helped or hurt, and keeps
 * those as lessons. It answers in the Evaluator's format and says it is rules, not an LLM.
 */
export class RuleBasedEvaluator implements Evaluator {
  async evaluate(input: EvaluatorInput): Promise<AgentAnswer<EvaluatorReply>> {
    const { metric } = input.task;
    const sign = gainSign(metric.direction);
    const before = input.trials.filter((t) => !input.round.includes(t));
    const best = bestOf(before, metric);
    const measured = noiseOf(input.trials);
    const noise = measured ?? 0;
    const verdicts: EvaluatorReply['verdicts'] = [];
    const lessons = [...input.lessons];
    for (const t of input.round) {
      if (t.value === null || t.value === undefined || !best) {
        verdicts.push({
          trial: t.number,
          verdict: 'inconclusive',
          explanation:
            t.state === 'failed'
              ? `failed: ${t.error ?? 'no result'}`
              : 'no reference to compare with',
        });
        continue;
      }
      const gain = sign * (t.value - best.value!);
      const diff = changes(best.config, t.config);
      const what = diff.length ? diff.join(', ') : 'no change';
      const verdict = gain > noise ? 'improved' : gain < -noise ? 'regressed' : 'inconclusive';
      verdicts.push({
        trial: t.number,
        verdict,
        explanation: `${metric.name} ${fmt(t.value)} vs best ${fmt(best.value!)} (#${best.number}), ${measured === null ? 'noise not measured' : `noise ${fmt(noise)}`}; changes: ${what}; curve: ${t.curve.length ? curveTrend(t.curve) : 'n/a'}`,
      });
      if (verdict !== 'inconclusive' && diff.length && diff.length <= 4) {
        lessons.unshift(
          // The change in the metric's own direction: +0.02 accuracy, -3.1 mae.
          `${verdict === 'improved' ? 'helped' : 'hurt'}: ${what} (${t.value >= best.value! ? '+' : ''}${fmt(t.value - best.value!)} ${metric.name})`,
        );
      }
    }
    const improved = verdicts.filter((v) => v.verdict === 'improved');
    const roundBest = bestOf(input.round, metric);
    const gradient = improved.length
      ? `Keep the changes of #${improved.map((v) => v.trial).join(', #')} and build on #${roundBest?.number}: its curve says ${roundBest?.curve.length ? curveTrend(roundBest.curve) : 'n/a'}.`
      : best
        ? `Nothing beat #${best.number} by more than the noise: go back to it and change something else.`
        : 'No result yet to learn from.';
    return {
      output: { verdicts, textual_gradient: gradient, lessons: [...new Set(lessons)].slice(0, 8) },
      meta: RULES_META,
      summary: `round of ${input.round.length} trials (${input.round.map((t) => `#${t.number}`).join(', ')})`,
    };
  }
}
