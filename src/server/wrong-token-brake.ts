/** Wrong tokens from one address that are answered at once; later ones wait. */
const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;
/** A quiet address is forgiven after this long. */
const FORGET_AFTER_MS = 10 * 60_000;
/** Addresses remembered at most (the oldest go first), so a flood cannot grow the map. */
const MAX_ADDRESSES = 10_000;

/**
 * Slows down guessing: after a few wrong tokens from one address, each further wrong one is
 * answered only after a delay that doubles (0.1 s, 0.2 s, ... up to 10 s). Right tokens are
 * never delayed, so a user on the same address is not locked out by someone else's guesses.
 */
export class WrongTokenBrake {
  private readonly failures = new Map<string, { count: number; last: number }>();

  /** Counts a wrong token from `address` and returns how long its answer should wait (ms). */
  failed(address: string, now = Date.now()): number {
    const seen = this.failures.get(address);
    const count = seen && now - seen.last < FORGET_AFTER_MS ? seen.count + 1 : 1;
    this.failures.delete(address);
    this.failures.set(address, { count, last: now });
    if (this.failures.size > MAX_ADDRESSES)
      this.failures.delete(this.failures.keys().next().value!);
    if (count <= FREE_FAILURES) return 0;
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - FREE_FAILURES - 1));
  }
}
