/** The namespace lab helper itself: connectivity, teardown that kills leftovers, sweep. Needs root. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/io/exec.js';
import { createLab, labUnavailableReason, sweep } from '../../helpers/netns.js';

const reason = await labUnavailableReason();
if (reason !== undefined) console.warn(`skipping lab helper tests: ${reason}`);

const listNs = async (): Promise<string[]> => {
  const r = await run('ip', ['netns', 'list']);
  return r.ok ? r.value.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((s) => s !== '') : [];
};

describe.skipIf(reason !== undefined)('namespace lab helper', () => {
  it('hosts reach each other over the bridge; link down cuts one off; destroy leaves nothing', async () => {
    const lab = await createLab({ hosts: ['x', 'y'], prefix: 'vti', subnet: '10.99.7' });
    try {
      expect(lab.hosts.map((h) => h.ip)).toEqual(['10.99.7.1', '10.99.7.2']);
      expect((await listNs()).filter((n) => n.startsWith(lab.id)).sort()).toEqual(lab.namespaces().sort());
      const probe = (host: 'x' | 'y', to: string) =>
        lab.host(host).exec('python3', ['-c', `import socket,sys; s=socket.create_connection(("${to}", 9), 1)`], 5000);
      // Connection refused (RST) proves reachability; a timeout would mean no path.
      const reach = await probe('x', '10.99.7.2');
      expect(!reach.ok && reach.error.stderr).toMatch(/ConnectionRefused/);
      await lab.host('y').linkDown();
      const cut = await probe('x', '10.99.7.2');
      expect(!cut.ok && cut.error.stderr).toMatch(/timed out|No route|unreachable/i);
      await lab.host('y').linkUp();
      // A process left running in a namespace is killed by destroy().
      const sleeper = lab.host('x').spawn('sleep', ['300'], { stdio: 'ignore' });
      const exited = new Promise((r) => sleeper.once('exit', r));
      await lab.destroy();
      await exited;
    } finally {
      await lab.destroy();
    }
    expect((await listNs()).filter((n) => n.startsWith(lab.id))).toEqual([]);
  });

  it('sweep removes namespaces of dead runs only', async () => {
    const dead = spawnSync('true').pid ?? 999_999;
    const stale = `vti-${dead}-abcdef-sw`;
    const mine = `vti-${process.pid}-abcdef-sw`;
    await run('ip', ['netns', 'add', stale]);
    await run('ip', ['netns', 'add', mine]);
    try {
      const removed = await sweep('vti');
      expect(removed).toContain(stale);
      expect(removed).not.toContain(mine);
      expect(await listNs()).toContain(mine);
    } finally {
      await run('ip', ['netns', 'del', stale]);
      await run('ip', ['netns', 'del', mine]);
    }
  });
});
