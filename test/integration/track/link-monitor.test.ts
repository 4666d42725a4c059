import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkMonitor, readLinkStates } from '../../../src/io/link-monitor.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const NS = `vtt${process.pid % 10000}${Math.floor(Math.random() * 1e4)}`;
let nsCount = 0;
const IF = 'vttd0';

/** The namespace of the suite running (one per `via`). */
let ns = NS;

async function ip(...args: string[]): Promise<void> {
  await run('ip', ['-n', ns, ...args]);
}

function nextChange(m: LinkMonitor, ifname: string): Promise<{ up: boolean; at: number }> {
  return new Promise((resolve) => {
    const on = (name: string, up: boolean): void => {
      if (name !== ifname) return;
      m.off('change', on);
      resolve({ up, at: performance.now() });
    };
    m.on('change', on);
  });
}

async function cleanup(): Promise<void> {
  await run('ip', ['netns', 'del', ns]).catch(() => undefined);
}

describe.skipIf(!isRoot).each(['netlink', 'ip'] as const)('LinkMonitor in a namespace, via %s', (via) => {
  let m: LinkMonitor;
  const errors: Error[] = [];

  beforeAll(async () => {
    ns = `${NS}${nsCount++}`;
    const mine = ns;
    process.once('exit', () => {
      try {
        execFileSync('ip', ['netns', 'del', mine], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    });
    await run('ip', ['netns', 'add', ns]);
    await ip('link', 'add', IF, 'type', 'veth', 'peer', 'name', 'vttd1'); // no dummy module here
    await ip('link', 'set', 'vttd1', 'up');
    await ip('link', 'set', IF, 'up');
    m = new LinkMonitor({ netns: ns, restartDelayMs: 100, via });
    m.on('monitorError', (e) => errors.push(e));
    await m.start();
    expect(m.via).toBe(via);
  });
  afterAll(async () => {
    m?.stop();
    await cleanup();
    const left = (await run('ip', ['netns', 'list'])).stdout;
    expect(left).not.toContain(ns);
  });

  it('knows the initial state', async () => {
    expect(m.isUp(IF)).toBe(true);
    expect(m.isUp('lo')).toBe(false); // lo is down in a fresh namespace
    expect((await readLinkStates('ip', ns)).get(IF)).toBe(true);
  });

  it('sees down and up within 100 ms', async () => {
    const figures: number[] = [];
    const fromIssue: number[] = [];
    for (const [state, up] of [
      ['down', false],
      ['up', true],
      ['down', false],
      ['up', true],
    ] as const) {
      const seen = nextChange(m, IF);
      const issued = performance.now();
      await ip('link', 'set', IF, state);
      const done = performance.now();
      const ev = await seen;
      expect(ev.up).toBe(up);
      figures.push(Math.max(0, ev.at - done));
      fromIssue.push(ev.at - issued);
    }
    console.log(
      `link-monitor: event ${fromIssue.map((f) => f.toFixed(1)).join(', ')} ms after starting \`ip link set\`` +
        ` (${figures.map((f) => f.toFixed(1)).join(', ')} ms after it returned)`,
    );
    for (const f of figures) expect(f).toBeLessThan(100);
  });

  it.runIf(via === 'ip')('restarts a dead monitor and catches up with what happened meanwhile', async () => {
    const pid = m.pid!;
    const starts = m.starts;
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
    const seen = nextChange(m, IF);
    await ip('link', 'set', IF, 'down'); // while the monitor is down (restart delay 100 ms)
    const ev = await seen;
    expect(ev.up).toBe(false);
    expect(m.starts).toBe(starts + 1);
    expect(m.pid).not.toBe(pid);
    expect(errors.some((e) => /restarting/.test(e.message))).toBe(true);
    const back = nextChange(m, IF);
    await ip('link', 'set', IF, 'up');
    expect((await back).up).toBe(true);
  });

  it('addresses: added and deleted (RTM_NEWADDR / RTM_DELADDR), known by interface, caught up after a restart', async () => {
    const seen: string[] = [];
    const on = (r: { ifname: string; address: string; deleted: boolean }): void => void (r.ifname === IF && seen.push(`${r.deleted ? '-' : '+'}${r.address}`));
    m.on('address', on);
    await ip('addr', 'add', '10.77.0.1/24', 'dev', IF);
    await ip('addr', 'add', '10.77.0.100/24', 'dev', IF);
    await ip('addr', 'del', '10.77.0.1/24', 'dev', IF); // takes its secondary .100 with it
    const until = async (want: string[]): Promise<void> => {
      for (let i = 0; i < 100 && !want.every((w) => seen.includes(w)); i++) await new Promise((r) => setTimeout(r, 20));
    };
    await until(['+10.77.0.1', '+10.77.0.100', '-10.77.0.100', '-10.77.0.1']);
    expect(seen).toEqual(['+10.77.0.1', '+10.77.0.100', '-10.77.0.100', '-10.77.0.1']);
    expect(m.addresses(IF).map((a) => a.address)).not.toContain('10.77.0.1');
    if (via === 'ip') process.kill(m.pid!, 'SIGKILL');
    await ip('addr', 'add', '10.77.0.2/24', 'dev', IF); // while the `ip` monitor is down
    await until(['+10.77.0.2']);
    expect(seen).toContain('+10.77.0.2');
    expect(m.addresses(IF).find((a) => a.address === '10.77.0.2')).toMatchObject({ prefixLen: 24, secondary: false, usable: true });
    m.off('address', on);
  });

  it.runIf(via === 'netlink')('ENOBUFS (notifications dropped by the kernel): dumps again and emits what it missed', async () => {
    const small = new LinkMonitor({ netns: ns, via, rcvbuf: 4096 });
    const lost: Error[] = [];
    small.on('monitorError', (e) => lost.push(e));
    await small.start();
    const seen = new Set<string>();
    small.on('address', (r) => void (!r.deleted && seen.add(r.address)));
    const want = Array.from({ length: 60 }, (_, i) => `10.78.0.${i + 1}`);
    // The event loop is blocked while 60 notifications arrive: the small buffer overflows.
    execFileSync('ip', ['-n', ns, '-batch', '-'], { input: want.map((a) => `addr add ${a}/32 dev ${IF}`).join('\n') });
    for (let i = 0; i < 100 && !want.every((a) => seen.has(a)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(lost.some((e) => /ENOBUFS/.test(e.message))).toBe(true);
    expect(small.starts).toBeGreaterThan(1);
    expect(want.filter((a) => !seen.has(a))).toEqual([]);
    expect(small.addresses(IF).map((a) => a.address)).toEqual(expect.arrayContaining(want));
    small.stop();
    await run('ip', ['-n', ns, 'addr', 'flush', 'dev', IF, 'to', '10.78.0.0/24']);
  });

  it('a rename is the old name going down and the new one coming, the addresses kept', async () => {
    const renamed = new Promise<[number, string, string]>((resolve) => m.once('renamed', (...a) => resolve(a)));
    const down = nextChange(m, IF);
    const index = m.indexOf(IF);
    await ip('link', 'set', IF, 'name', 'vttd9');
    expect((await down).up).toBe(false);
    expect(await renamed).toEqual([index, IF, 'vttd9']);
    expect(m.isUp(IF)).toBeUndefined();
    expect(m.addresses('vttd9').map((a) => a.address)).toContain('10.77.0.2');
    const back = nextChange(m, IF);
    await ip('link', 'set', 'vttd9', 'name', IF);
    expect((await back).up).toBe(true);
    expect(m.indexOf(IF)).toBe(index);
  });

  it('a deleted interface reports down and is forgotten', async () => {
    const seen = nextChange(m, IF);
    await ip('link', 'del', IF);
    expect((await seen).up).toBe(false);
    expect(m.isUp(IF)).toBeUndefined();
    expect(m.addresses(IF)).toEqual([]);
  });
});
