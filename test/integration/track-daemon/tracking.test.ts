/**
 * Health tracking end to end on the seed's topology: real daemons (op1 100 MASTER, op2 90,
 * VRID 251, PASS) in namespaces, a TCP listener on 7443 on each OP node standing in for nginx.
 * A failing tracker moves the VIP; a healthy one brings it back (preempt); a hanging script is
 * killed at its timeout; a tracked interface going down gives FAULT; notify scripts record the
 * state sequence. Timing margins are wide: these tests check behaviour, the figures come from
 * `bench/tracking.ts`.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cluster, holders, resetNodes, seedConfig, skipReason, type Cluster, type Node } from '../daemon/harness.js';

const reason = await skipReason();
/** Master_Down_Interval for priority 90 / 100 at advert_int 1 (RFC 3768 §6.1), ms. */
const MDI_90 = 3648.4375;
const MDI_100 = 3609.375;
const MARGIN = 2500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** nginx's stand-in: accepts on 0.0.0.0:7443, says its name, closes. */
const LISTENER_JS = `
const name = process.argv[1];
const s = require('node:net').createServer((c) => { c.on('error', () => c.destroy()); c.end(name + '\\n'); });
s.listen(7443, '0.0.0.0', () => process.stdout.write('listening\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/** Live (non-zombie) processes in namespace `ns` whose command line contains `needle`. */
async function processesIn(node: Node, needle: string): Promise<number[]> {
  const r = await node.host.exec('ip', ['netns', 'pids', node.host.ns]);
  if (!r.ok) return [];
  const pids = r.value.stdout.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
  const out: number[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(needle)) out.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Polls until the VIP holders are `want` (VIP removal is asynchronous), returns the last seen. */
async function holdersSettle(c: Cluster, want: string[], timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const h = await holders(c);
    if (JSON.stringify(h) === JSON.stringify(want) || Date.now() > deadline) return h;
    await sleep(100);
  }
}

/** Every live process (anywhere) whose command line contains `needle` (orphans leave the ns list only when they die). */
function processesAnywhere(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').includes(needle)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe.skipIf(reason !== undefined)('health tracking between real daemons', () => {
  let c: Cluster;
  let dir: string;
  const listeners = new Map<string, ChildProcess>();

  beforeAll(async () => {
    c = await cluster(['op1', 'op2', 'client'], 'vtr');
    dir = c.node('op1').dir;
  });
  afterEach(async (ctx) => {
    if (process.env.VTR_DEBUG || ctx.task.result?.state === 'fail') {
      for (const n of c.nodes) if (n.logs.length) console.log(`--- ${n.host.name}\n${n.logs.map((l) => JSON.stringify(l)).join('\n')}`);
    }
    for (const name of [...listeners.keys()]) await stopListener(name);
    await resetNodes(c);
    await c.node('op1').host.exec('ip', ['link', 'del', 'trk0']);
  });
  afterAll(async () => c?.destroy());

  async function startListener(name: string): Promise<void> {
    const child = c.node(name).host.spawn('node', ['-e', LISTENER_JS, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    listeners.set(name, child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`listener on ${name} exited (${code})`)));
    });
  }

  async function stopListener(name: string): Promise<void> {
    const child = listeners.get(name);
    listeners.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** A file in the test's temp dir (root-only directory), executable. */
  function writeScript(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, 0o755);
    return path;
  }

  /** Both nodes with the same vrrp_script and track_script; op1 master, op2 backup. */
  async function trackedPair(scriptLine: string) {
    const scripts = `vrrp_script chk_nginx {\n  ${scriptLine}\n  interval 1\n  timeout 1\n  fall 1\n  rise 1\n  weight -20\n}`;
    const extra = '  track_script {\n    chk_nginx\n  }';
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, scripts, extra }));
    op2.writeConfig(seedConfig({ priority: 90, scripts, extra }));
    op1.start();
    op2.start();
    await op1.waitState('MASTER', 10_000);
    await op2.waitState('BACKUP', 10_000);
    return { op1, op2 };
  }

  const variants: [string, () => string][] = [
    ['check_tcp 127.0.0.1:7443', () => 'script "check_tcp 127.0.0.1:7443"'],
    ['a shell script (bash /dev/tcp)', () => `script "${writeScript('chk-nginx.sh', '#!/bin/bash\n# healthy while something listens on 7443\n: </dev/tcp/127.0.0.1/7443\n')}"`],
  ];

  it.each(variants)('listener down on the master (%s): 100-20=80 < 90, op2 takes over; listener back: op1 preempts', async (_, line) => {
    await startListener('op1');
    await startListener('op2');
    const { op1, op2 } = await trackedPair(line());
    expect(await holdersSettle(c, ['op1'])).toEqual(['op1']);

    const from1 = op1.logs.length;
    const from2 = op2.logs.length;
    await stopListener('op1');
    const drop = await op1.waitFor((l) => l.from === 100 && l.to === 80, 1000 * 2 + MARGIN, from1);
    expect(String(drop.detail)).toContain('chk_nginx');
    const took = await op2.waitState('MASTER', MDI_90 + 1000 + MARGIN, from2);
    expect(took.reason).toBe('master-down-timer');
    await op1.waitState('BACKUP', 3000, from1);
    expect(await holdersSettle(c, ['op2'])).toEqual(['op2']);

    const back1 = op1.logs.length;
    const back2 = op2.logs.length;
    await startListener('op1');
    await op1.waitFor((l) => l.from === 80 && l.to === 100, 1000 * 2 + MARGIN, back1);
    await op1.waitState('MASTER', MDI_100 + MARGIN, back1);
    await op2.waitState('BACKUP', 3000, back2);
    expect(await holdersSettle(c, ['op1'])).toEqual(['op1']);
  });

  it('a script that hangs is killed at its timeout and counts as failure (weight 0: FAULT); no process is left', async () => {
    // Ignores SIGTERM, so the runner must follow with SIGKILL to the group (2 s later).
    const hang = writeScript('hang.sh', "#!/bin/sh\ntrap '' TERM\nsleep 61\n");
    const scripts = `vrrp_script chk_hang {\n  script "${hang}"\n  interval 1\n  timeout 1\n  fall 1\n  rise 1\n  weight 0\n}`;
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, scripts, extra: '  track_script {\n    chk_hang\n  }' }));
    op2.writeConfig(seedConfig({ priority: 90 }));
    op2.start();
    await op2.waitState('BACKUP', 10_000);
    const t0 = Date.now();
    op1.start();
    const fault = await op1.waitState('FAULT', 1000 + MARGIN + 3000);
    expect(fault.t - t0).toBeGreaterThanOrEqual(900); // not before the timeout
    expect(op1.logs.some((l) => l.script === 'chk_hang' && l.to === 'failed' && l.detail === 'timed out')).toBe(true);
    await op2.waitState('MASTER', MDI_90 + MARGIN + 3000);
    expect(await holdersSettle(c, ['op2'])).toEqual(['op2']);

    // Over ~8 s (several interval/timeout/kill cycles) at most one run lives at a time, and each
    // one seen is gone within timeout + kill grace (1 + 2 s) plus a margin.
    let most = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const pids = await processesIn(op1, 'sleep 61');
      most = Math.max(most, pids.length);
      for (const p of pids) seen.add(p);
      await sleep(500);
    }
    expect(seen.size).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    const firstSeen = [...seen][0]!;
    expect(processesAnywhere('sleep 61')).not.toContain(firstSeen);
    expect(op1.lastState()).toBe('FAULT');
  });

  it('a daemon stopping while a check hangs leaves no script process behind', async () => {
    const hang = writeScript('hang2.sh', '#!/bin/sh\nsleep 62\n');
    const scripts = `vrrp_script chk_hang {\n  script "${hang}"\n  interval 5\n  timeout 5\n  weight -20\n}`;
    const op1 = c.node('op1');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, scripts, extra: '  track_script {\n    chk_hang\n  }' }));
    op1.start();
    await op1.waitState('MASTER', 10_000);
    let running: number[] = [];
    for (let i = 0; i < 20 && running.length === 0; i++) {
      running = await processesIn(op1, 'sleep 62');
      await sleep(250);
    }
    expect(running).toHaveLength(1);
    await op1.stop('SIGTERM');
    await sleep(1000);
    expect(processesAnywhere('sleep 62')).toEqual([]);
  });

  it('track_interface down on the master: FAULT, op2 takes over; back up: op1 preempts; notify scripts record it in order', async () => {
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    // A second cable on op1 (no `dummy` module here): trk0 is tracked, its peer trk1 is cut.
    await op1.host.mustExec('ip', ['link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1']);
    await op1.host.mustExec('ip', ['link', 'set', 'trk1', 'up']);
    await op1.host.mustExec('ip', ['link', 'set', 'trk0', 'up']);
    const record = join(dir, 'notify.log');
    writeFileSync(record, '');
    const notify = writeScript('notify.sh', `#!/bin/sh\necho "$*" >> ${record}\n`);
    const extra = [
      '  track_interface {',
      '    trk0',
      '  }',
      `  notify_master "${notify} master"`,
      `  notify_backup "${notify} backup"`,
      `  notify_fault "${notify} fault"`,
      `  notify "${notify} generic"`,
    ].join('\n');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, extra }));
    op2.writeConfig(seedConfig({ priority: 90 }));
    op1.start();
    op2.start();
    await op1.waitState('MASTER', 10_000);
    await op2.waitState('BACKUP', 10_000);

    const from1 = op1.logs.length;
    const from2 = op2.logs.length;
    const tDown = Date.now();
    await op1.host.mustExec('ip', ['link', 'set', 'trk1', 'down']);
    const fault = await op1.waitState('FAULT', 2000, from1);
    expect(fault.t - tDown).toBeLessThan(1000); // netlink, not a 1 s poll (wide margin)
    await op2.waitState('MASTER', MDI_90 + MARGIN, from2);
    expect(await holdersSettle(c, ['op2'])).toEqual(['op2']);

    const back1 = op1.logs.length;
    await op1.host.mustExec('ip', ['link', 'set', 'trk1', 'up']);
    await op1.waitState('BACKUP', 2000, back1);
    await op1.waitState('MASTER', MDI_100 + MARGIN, back1);
    await op2.waitState('BACKUP', 3000, from2);
    expect(await holdersSettle(c, ['op1'])).toEqual(['op1']);

    // The daemon's own record of its states, and what the notify scripts wrote.
    const states = op1.logs.filter((l) => typeof l.from === 'string' && typeof l.to === 'string').map((l) => l.to as string);
    const expected = states.filter((s) => s === 'MASTER' || s === 'BACKUP' || s === 'FAULT');
    expect(expected.slice(-4)).toEqual(['MASTER', 'FAULT', 'BACKUP', 'MASTER']);
    let lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      lines = readFileSync(record, 'utf8').split('\n').filter((l) => l !== '');
      if (lines.length >= expected.length * 2) break;
      await sleep(250);
    }
    const pairs: string[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const specific = lines[i]!;
      const generic = lines[i + 1]!.split(' ');
      // Specific script first, then the generic one with INSTANCE, name, state, priority.
      expect(generic.slice(0, 4)).toEqual(['generic', 'INSTANCE', 'VI_1', specific.toUpperCase()]);
      expect(generic[4]).toMatch(/^\d+$/);
      expect(generic).toHaveLength(5);
      pairs.push(generic[3]!);
    }
    expect(lines.length).toBe(expected.length * 2);
    expect(pairs).toEqual(expected);
  });
});
