/**
 * Numbers that came through JSON: NaN and the infinities (a diverged loss) were written as null.
 * These read them back in the one way the arithmetic wants.
 */

/** Whether `v` is a finite number: a type guard, which Number.isFinite's typing is not. */
export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A stored number as arithmetic wants it: null (a NaN or infinity once) back as NaN. */
export function orNaN(v: number | null | undefined): number {
  return v ?? NaN;
}
