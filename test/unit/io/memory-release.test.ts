/**
 * The addon's memoryMark / memoryRelease (native/packet/memory.c), which the config loader calls
 * around its worker thread: the pages only the finished thread read are unmapped, its arena
 * trimmed, and the process goes on using what was unmapped. Each case runs in a fresh node
 * process, so no earlier thread of the test runner has made the pages resident already.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const addon = fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url));

/** Runs `body` (CommonJS, `a` the addon, `rss()` RssFile/RssAnon in KB) and parses the JSON line it prints. */
function run(body: string): unknown {
  const script = `const a = require(${JSON.stringify(addon)}); const { Worker } = require('node:worker_threads');
    const rss = () => { const s = require('node:fs').readFileSync('/proc/self/status', 'utf8');
      return { file: Number(/RssFile:\\s+(\\d+)/.exec(s)[1]), anon: Number(/RssAnon:\\s+(\\d+)/.exec(s)[1]) }; };
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }));
}

describe.skipIf(!existsSync(addon) || !existsSync('/proc/self/pagemap'))('memoryMark / memoryRelease', () => {
  it('after a worker thread exits, unmaps the file pages it alone made resident, and the process keeps working', () => {
    const r = run(`const mark = a.memoryMark();
      new Worker('require("node:zlib"); require("node:url")', { eval: true }).on('exit', () => {
        const during = rss();
        a.memoryRelease(mark, (dropped, trimmed) => {
          const after = rss();
          // the unmapped pages are read again on use: another thread and a new built-in still work
          new Worker('require("node:zlib"); require("node:http")', { eval: true }).on('exit', (code) => {
            console.log(JSON.stringify({ dropped, trimmed, during, after, code, http: typeof require('node:http').createServer }));
          });
        });
      });`) as { dropped: number; trimmed: boolean; during: { file: number }; after: { file: number }; code: number; http: string };
    // An empty worker's bootstrap alone makes ~1.7 MB of the node binary resident (docs/performance.md).
    expect(r.dropped).toBeGreaterThan(256 * 1024);
    expect(r.after.file).toBeLessThanOrEqual(r.during.file - 256);
    expect(typeof r.trimmed).toBe('boolean');
    expect(r.code).toBe(0);
    expect(r.http).toBe('function');
  });

  it('without a mark only trims; a mark is used once; arguments are checked', () => {
    const r = run(`const out = {};
      const tryIt = (k, f) => { try { f(); out[k] = 'accepted'; } catch (e) { out[k] = e.code; } };
      tryIt('notMark', () => a.memoryRelease({}, () => {}));
      tryIt('noDone', () => a.memoryRelease(null));
      const mark = a.memoryMark();
      a.memoryRelease(mark, (dropped) => { out.fresh = dropped >= 0;
        a.memoryRelease(null, (dropped0, trimmed) => { out.nullMark = [dropped0, typeof trimmed]; console.log(JSON.stringify(out)); });
      });
      tryIt('twice', () => a.memoryRelease(mark, () => {}));`);
    expect(r).toEqual({ notMark: 'EINVAL', noDone: 'EINVAL', twice: 'EINVAL', fresh: true, nullMark: [0, 'boolean'] });
  });
});
