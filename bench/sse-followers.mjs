// Event-stream clients for bench/service.ts, in a process of their own (plain JavaScript, so it
// starts in milliseconds): reads a campaign id on standard input, then follows its event stream
// with N clients until the end, and prints the bytes they received.
//   node bench/sse-followers.mjs <url> <count> <token>
import { createInterface } from 'node:readline';

const [url, count, token] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
const [campaign] = await lines[Symbol.asyncIterator]()
  .next()
  .then((r) => [r.value]);
lines.close();

async function follow() {
  const res = await fetch(`${url}/api/campaigns/${campaign}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let bytes = 0;
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    bytes += chunk.length;
    if (decoder.decode(chunk).includes('event: end')) break;
  }
  return bytes;
}

const bytes = await Promise.all(Array.from({ length: Number(count) }, follow));
process.stdout.write(String(bytes.reduce((a, b) => a + b, 0)));
