import { describe, expect, it } from 'vitest';
import {
  describePickRule,
  parseConstraint,
  parseObjective,
  parsePickRule,
  TradeOffSyntaxError,
} from '../../src/contracts/trade-off.ts';
import { parseCampaignRequest } from '../../src/contracts/campaign-request.ts';

describe('the trade-off flags as text', () => {
  it('reads objectives with either spelling of the direction', () => {
    expect(parseObjective('val_accuracy:max')).toEqual({
      metric: 'val_accuracy',
      direction: 'maximize',
    });
    expect(parseObjective(' params : minimize ')).toEqual({
      metric: 'params',
      direction: 'minimize',
    });
    expect(() => parseObjective('params')).toThrow(/is not metric:direction/);
    expect(() => parseObjective('params:smaller')).toThrow(
      /the direction "smaller" is not max or min/,
    );
    expect(() => parseObjective('9lives:max')).toThrow(TradeOffSyntaxError);
  });

  it('reads constraints, numbers as JavaScript writes them', () => {
    expect(parseConstraint('params<=1e5')).toEqual({ metric: 'params', op: '<=', bound: 100000 });
    expect(parseConstraint('val_accuracy >= 0.8')).toEqual({
      metric: 'val_accuracy',
      op: '>=',
      bound: 0.8,
    });
    expect(() => parseConstraint('params<100')).toThrow(/is not metric<=number/);
    expect(() => parseConstraint('params<=lots')).toThrow(/"lots" is not a finite number/);
  });

  it('reads pick rules and writes them back the same', () => {
    expect(parsePickRule('knee')).toEqual({ kind: 'knee' });
    const rule = parsePickRule('max val_accuracy where params<=50000 and inference_ms_per_1k<=2');
    expect(rule).toEqual({
      kind: 'best',
      direction: 'maximize',
      metric: 'val_accuracy',
      where: [
        { metric: 'params', op: '<=', bound: 50000 },
        { metric: 'inference_ms_per_1k', op: '<=', bound: 2 },
      ],
    });
    expect(parsePickRule(describePickRule(rule))).toEqual(rule);
    expect(() => parsePickRule('best accuracy')).toThrow(/the direction "best" is not max or min/);
    expect(() => parsePickRule('max')).toThrow(/is not "knee" or/);
  });

  it('a request holds two to four distinct-direction objectives', () => {
    const base = { task: { kind: 'builtin', name: 'iris' }, outputDir: '/tmp' };
    expect(() =>
      parseCampaignRequest({
        ...base,
        objectives: [{ metric: 'accuracy', direction: 'maximize' }],
      }),
    ).toThrow(/objectives must hold at least two objectives/);
    expect(() =>
      parseCampaignRequest({
        ...base,
        constraints: [{ metric: 'params', op: '<', bound: 5 }],
      }),
    ).toThrow(/constraints\.0\.op must be <= or >=/);
  });
});
