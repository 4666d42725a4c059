/**
 * vrrpd run the way systemd/vrrpd.service runs it: an unprivileged user holding only CAP_NET_RAW
 * and CAP_NET_ADMIN as ambient capabilities (here through setpriv, as nobody, in a namespace).
 * Issue 10: every check and notify script inherited those capabilities and vrrpd's environment
 * (NOTIFY_SOCKET included); a script for a user vrrpd cannot become (`user root`) made spawn()
 * throw EPERM, which killed the daemon at start-up. Now the scripts hold nothing, see only the
 * documented environment, and a script vrrpd cannot run as asked is disabled with its reason.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, Node, seedConfig, skipReason } from './harness.js';
import { createLab, type Lab } from '../../helpers/netns.js';

const reason = await skipReason();
const NOBODY = 65534;
/** systemd/vrrpd.service: User=, AmbientCapabilities=, CapabilityBoundingSet=, as setpriv does them. */
const AS_THE_UNIT = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--inh-caps=+net_raw,+net_admin', '--ambient-caps=+net_raw,+net_admin', '--bounding-set=-all,+net_raw,+net_admin'];
const NET_CAPS = 0x3000n; // CAP_NET_ADMIN (12) | CAP_NET_RAW (13)

describe.skipIf(reason !== undefined)('unprivileged, as systemd/vrrpd.service runs it', () => {
  let lab: Lab;
  let dir: string;
  let node: Node;
  const out = () => join(dir, 'out');

  beforeAll(async () => {
    lab = await createLab({ hosts: ['op1'], prefix: 'vtp' });
    dir = mkdtempSync(join(tmpdir(), 'vtp-'));
    chmodSync(dir, 0o755);
    node = new Node(lab.host('op1'), dir);
    for (const d of [node.runDir, out()]) {
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, NOBODY, NOBODY);
    }
    const script = join(dir, 'report.sh'); // root-owned, in a root-owned directory
    // Each report is written aside and renamed into place, the environment first: the test reads
    // `.caps` as the sign that the script is done, so `.env` must be complete before it appears.
    const put = (what: string, cmd: string) => `${cmd} > ${out()}/$1.${what}.tmp && mv ${out()}/$1.${what}.tmp ${out()}/$1.${what}\n`;
    writeFileSync(script, `#!/bin/sh\n${put('env', "tr '\\0' '\\n' < /proc/$$/environ")}${put('caps', "grep -E '^Cap' /proc/$$/status")}`, { mode: 0o755 });
    const scripts = `vrrp_script chk {\n  script "${script} check"\n  weight -5\n}\nvrrp_script chk_root {\n  script "${script} root"\n  user root\n  weight -5\n}\n`;
    const extra = `  track_script {\n    chk\n    chk_root\n  }\n  notify_master "${script} notify"\n  notify_backup "${script} backup" root`;
    node.writeConfig(seedConfig({ state: 'MASTER', priority: 100, scripts, extra }));
    node.start([], { wrapper: AS_THE_UNIT, env: { ...process.env, NOTIFY_SOCKET: '/run/vtp-no-such-socket' } });
    await node.waitState('MASTER', 10_000);
    await node.waitVipsAdded(3000); // its own `ip` calls keep CAP_NET_ADMIN
  });
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function report(which: string): Promise<{ caps: Record<string, bigint>; env: string[] }> {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const caps = Object.fromEntries(readFileSync(join(out(), `${which}.caps`), 'utf8').trim().split('\n').map((l) => {
          const [k, v] = l.split(/:\s+/);
          return [k!, BigInt(`0x${v}`)];
        }));
        if (Object.keys(caps).length === 5) return { caps, env: readFileSync(join(out(), `${which}.env`), 'utf8').trim().split('\n') };
      } catch {
        // not written yet
      }
      if (Date.now() > deadline) throw new Error(`the ${which} script never reported`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  for (const which of ['check', 'notify']) {
    it(`a ${which} script holds no capability and sees only PATH, HOME, USER, LOGNAME`, async () => {
      const { caps, env } = await report(which);
      expect(caps).toMatchObject({ CapInh: 0n, CapPrm: 0n, CapEff: 0n, CapAmb: 0n });
      expect(caps.CapBnd! & ~NET_CAPS).toBe(0n); // without CAP_SETPCAP the bounding set stays; it grants nothing
      expect(env.map((l) => l.split('=')[0]).sort()).toEqual(['HOME', 'LOGNAME', 'PATH', 'USER']);
      expect(env).toContain('USER=nobody');
    });
  }

  it('a script for a user vrrpd cannot become is disabled with the reason, and the daemon runs on', () => {
    const why = `vrrpd runs as uid ${NOBODY} gid ${NOBODY} without CAP_SETUID/CAP_SETGID, so it cannot run scripts as root (0:0)`;
    expect(node.logs.find((l) => l.msg === `vrrp_script chk_root disabled: ${why}`)).toBeDefined();
    expect(node.logs.find((l) => l.msg === `notify_backup of vrrp_instance VI_1 disabled: ${why}`)).toBeDefined();
    expect(node.running).toBe(true);
  });

  it('`vrrpd check` says the same, run as the same user', async () => {
    const r = await lab.host('op1').exec(AS_THE_UNIT[0]!, [...AS_THE_UNIT.slice(1), 'node', CLI, 'check', '-f', node.confPath]);
    const text = r.ok ? r.value.stdout : r.error.stdout;
    // A check or notification that will not run changes failover: check exits 3.
    expect(r.ok ? 0 : r.error.code).toBe(3);
    expect(text).toMatch(/warning\[failover\]: vrrp_script chk_root disabled: vrrpd runs as uid 65534 .* cannot run scripts as root/);
    expect(text).toMatch(/warning\[failover\]: notify_backup of vrrp_instance VI_1 disabled: vrrpd runs as uid 65534/);
    expect(text).not.toMatch(/vrrp_script chk disabled/);
  });
});
