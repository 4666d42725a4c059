/**
 * `node scrape.js URL`: one scrape of a /metrics endpoint, the text on stdout (exit 1 on failure).
 * `node scrape.js URL OUTFILE EVERY_MS [PREFIX]`: scrape every EVERY_MS until SIGTERM, appending one
 * JSON line per scrape to OUTFILE: `{"t": epoch ms when the answer came, "samples": [[name,
 * labels, value], ...]}` (samples whose name starts with PREFIX, default `vrrpd_`), or
 * `{"t": ..., "error": "..."}`. Run inside a lab namespace, next to the daemon it watches.
 */
import { appendFileSync } from 'node:fs';
import { parsePromText } from './prom-text.js';

const [url, outFile, everyText, prefix = 'vrrpd_'] = process.argv.slice(2);

async function scrape(): Promise<string> {
  const r = await fetch(url!, { signal: AbortSignal.timeout(2000) });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.text();
}

if (!url) {
  process.stderr.write('usage: scrape.js URL [OUTFILE EVERY_MS [PREFIX]]\n');
  process.exit(2);
}
if (!outFile) {
  scrape().then(
    (text) => process.stdout.write(text),
    (e: Error) => {
      process.stderr.write(`scrape ${url}: ${e.message}\n`);
      process.exit(1);
    },
  );
} else {
  const every = Number(everyText ?? '250');
  let stopped = false;
  process.on('SIGTERM', () => (stopped = true));
  const loop = async (): Promise<void> => {
    for (let next = Date.now(); !stopped; next += every) {
      let line: object;
      try {
        const samples = parsePromText(await scrape()).filter((s) => s.name.startsWith(prefix));
        line = { t: Date.now(), samples: samples.map((s) => [s.name, s.labels, s.value]) };
      } catch (e) {
        line = { t: Date.now(), error: (e as Error).message };
      }
      appendFileSync(outFile, `${JSON.stringify(line)}\n`);
      await new Promise((r) => setTimeout(r, Math.max(0, next + every - Date.now())));
    }
    process.exit(0);
  };
  loop().catch((e: unknown) => {
    process.stderr.write(`scrape.js: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
