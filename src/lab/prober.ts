/**
 * The lab's client: `node prober.js HOST PORT OUTFILE [EVERY_MS] [TIMEOUT_MS]` starts a probe every
 * EVERY_MS (10): connect, send "health\n", wait for a line "ok API FROM". Each probe is one line
 * appended to OUTFILE: `T OK MS API FROM ERR` (T: start, epoch ms; OK: 1 or 0;
 * MS: duration), so a failover's outage can be read off to within one period. At most
 * TIMEOUT_MS / EVERY_MS + 1 probes are in flight; a slot that is not free skips its probe (logged
 * as a failure "busy", because the client would not have got through either).
 */
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';

const [host = '127.0.0.1', portText = '7443', outFile = '/dev/stdout', everyText = '10', timeoutText = '300'] = process.argv.slice(2);
const port = Number(portText);
const everyMs = Number(everyText);
const timeoutMs = Number(timeoutText);
const maxInFlight = Math.ceil(timeoutMs / everyMs) + 1;
const out = createWriteStream(outFile, { flags: 'a' });
let inFlight = 0;

// Wall-clock ms, like the daemons' log timestamps, so the two can be laid side by side.
const now = (): number => Date.now();

function record(t: number, ok: boolean, api: string, from: string, why: string): void {
  out.write(`${t} ${ok ? 1 : 0} ${(now() - t).toFixed(1)} ${api || '-'} ${from || '-'} ${why || '-'}\n`);
}

function probe(): void {
  const t = now();
  if (inFlight >= maxInFlight) {
    record(t, false, '', '', 'busy');
    return;
  }
  inFlight++;
  let done = false;
  let data = '';
  const sock = connect({ host, port });
  const finish = (ok: boolean, api: string, from: string, why: string): void => {
    if (done) return;
    done = true;
    inFlight--;
    clearTimeout(timer);
    sock.destroy();
    record(t, ok, api, from, why);
  };
  const timer = setTimeout(() => finish(false, '', '', 'timeout'), timeoutMs);
  sock.on('connect', () => sock.write('health\n'));
  sock.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    const m = /^ok (\S+) (\S+)\n/.exec(data);
    if (m) finish(true, m[1]!, m[2]!, '');
  });
  sock.on('error', (e: NodeJS.ErrnoException) => finish(false, '', '', e.code ?? 'error'));
  sock.on('close', () => finish(false, '', '', data === '' ? 'closed' : 'bad-answer'));
}

// Deadlines from a fixed origin, so a late timer does not shift every later probe.
const origin = now();
let n = 0;
function tick(): void {
  probe();
  n++;
  setTimeout(tick, Math.max(0, origin + n * everyMs - now()));
}
tick();
const stop = (): void => void out.end(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
