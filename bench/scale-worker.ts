/**
 * One process of bench/scale.ts's fleet: `concurrency` trial slots run in this process.
 *
 *   node --import tsx bench/scale-worker.ts <redis-url> <concurrency>
 */
import { inProcessTrialWorker } from './in-process-trials.ts';

const [url, concurrencyText] = process.argv.slice(2);
if (!url || !concurrencyText) throw new Error('usage: scale-worker.ts <redis-url> <concurrency>');
const trials = inProcessTrialWorker(url, Number(concurrencyText));
await trials.worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void trials.close().then(() => process.exit(0)));
