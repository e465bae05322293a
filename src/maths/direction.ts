import { z } from 'zod';

/**
 * Which way a metric is better, and the arithmetic every comparison of two values needs, written
 * once: the samplers, the pruners, the campaign's best, the default comparison and the ensembles
 * all read a direction the same way.
 */
export const DIRECTIONS = ['maximize', 'minimize'] as const;
export const DirectionSchema = z.enum(DIRECTIONS);
export type Direction = z.infer<typeof DirectionSchema>;

/** +1 where higher is better, -1 where lower is: `gainSign(d) * (a - b) > 0` means a is better. */
export function gainSign(direction: Direction): 1 | -1 {
  return direction === 'maximize' ? 1 : -1;
}

/**
 * A metric value as a loss: lower is better whatever the metric's direction, so the samplers'
 * arithmetic is written once, for minimizing.
 */
export function lossOf(value: number, direction: Direction): number {
  return -gainSign(direction) * value;
}

/** The opposite of lossOf: higher is better (f-DPG's target is a score). */
export function scoreOf(value: number, direction: Direction): number {
  return gainSign(direction) * value;
}
