/**
 * `ip -force -batch -` coalescing (src/io/ip-batch.ts) against a stand-in `ip` that logs each run
 * and fails the lines it is told to, the way iproute2 6.1 reports them.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IpBatcher, parseBatchErrors } from '../../../src/io/ip-batch.js';
import { changeAddresses } from '../../../src/io/ip-addr.js';
import { changeRoutes } from '../../../src/io/ip-route.js';
import type { IpAddress } from '../../../src/wire/address.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-ipbatch-'));
const log = join(dir, 'runs.log');
const fakeIp = join(dir, 'ip');
// Each run appends "RUN <args>" and its stdin; a line containing "fail:" fails like iproute2 does.
writeFileSync(
  fakeIp,
  `#!/bin/bash
echo "RUN $*" >> ${JSON.stringify(log)}
n=0; rc=0
while IFS= read -r line; do
  n=$((n+1)); echo "$line" >> ${JSON.stringify(log)}
  case "$line" in
    *10.0.0.66*) echo "Error: ipv4: Address already assigned." >&2; echo "Command failed -:$n" >&2; rc=1 ;;
    *10.9.9.0*) echo "RTNETLINK answers: No such process" >&2; echo "Command failed -:$n" >&2; rc=1 ;;
    *'add fd00::66/'*) echo "Error: ipv6: address already assigned." >&2; echo "Command failed -:$n" >&2; rc=1 ;;
    *'del fd00::67/'*) echo "Error: ipv6: address not found." >&2; echo "Command failed -:$n" >&2; rc=1 ;;
    *nosuch*) echo "Cannot find device \\"nosuch\\"" >&2; echo "Command failed -:$n" >&2; rc=1 ;;
  esac
done
exit $rc
`,
);
chmodSync(fakeIp, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runs = (): string[][] =>
  readFileSync(log, 'utf8')
    .split('RUN ')
    .filter(Boolean)
    .map((r) => r.trim().split('\n'));

describe('ip -batch', () => {
  it('parses the failures iproute2 prints, by line number', () => {
    const stderr = 'Error: ipv4: Address already assigned.\nCommand failed -:2\nCannot find device "x"\nCommand failed -:5\n';
    expect([...parseBatchErrors(stderr)]).toEqual([
      [2, 'Error: ipv4: Address already assigned.'],
      [5, 'Cannot find device "x"'],
    ]);
    expect(parseBatchErrors('').size).toBe(0);
  });

  it('changes submitted in the same turn share one run; each line gets its own outcome', async () => {
    writeFileSync(log, '');
    const b = new IpBatcher({ ipPath: fakeIp });
    const [one, two] = await Promise.all([b.submit(['addr add 10.0.0.1/32 dev eth0', 'addr add 10.0.0.2/32 dev nosuch']), b.submit(['addr add 10.0.0.3/32 dev eth0'])]);
    expect(runs()).toEqual([['-force -batch -', 'addr add 10.0.0.1/32 dev eth0', 'addr add 10.0.0.2/32 dev nosuch', 'addr add 10.0.0.3/32 dev eth0']]);
    expect(one.map((r) => r.ok)).toEqual([true, false]);
    expect(!one[1]!.ok && one[1]!.error.detail).toBe('ip addr add 10.0.0.2/32 dev nosuch: Cannot find device "nosuch"');
    expect(two).toEqual([{ ok: true, value: true }]);
    expect(b.batches).toBe(1);
  });

  it('changes submitted while a batch runs go together in the next one, in submission order', async () => {
    writeFileSync(log, '');
    const b = new IpBatcher({ ipPath: fakeIp });
    const first = b.submit(['addr add 10.0.0.1/32 dev eth0']);
    await new Promise((r) => setImmediate(r)); // the first batch has started
    const later = [b.submit(['addr del 10.0.0.1/32 dev eth0']), b.submit(['addr add 10.0.0.4/32 dev eth0'])];
    await Promise.all([first, ...later]);
    expect(runs().map((r) => r.slice(1))).toEqual([['addr add 10.0.0.1/32 dev eth0'], ['addr del 10.0.0.1/32 dev eth0', 'addr add 10.0.0.4/32 dev eth0']]);
  });

  it('the fork waits for the gate; changes submitted meanwhile join the batch', async () => {
    writeFileSync(log, '');
    let open!: () => void;
    const b = new IpBatcher({ ipPath: fakeIp, gate: () => new Promise<void>((r) => (open = r)) });
    const first = b.submit(['addr add 10.0.0.1/32 dev eth0']);
    await new Promise((r) => setTimeout(r, 20));
    expect(runs()).toEqual([]);
    const second = b.submit(['addr add 10.0.0.2/32 dev eth0']);
    open();
    await Promise.all([first, second]);
    expect(runs()).toEqual([['-force -batch -', 'addr add 10.0.0.1/32 dev eth0', 'addr add 10.0.0.2/32 dev eth0']]);
  });

  it('a batch killed half-way (timeout) fails every line, even those before the kill', async () => {
    const slow = join(dir, 'ip-slow');
    writeFileSync(slow, '#!/bin/bash\nread -r line; echo "Error: x" >&2; echo "Command failed -:1" >&2; sleep 5\n');
    chmodSync(slow, 0o755);
    const r = await new IpBatcher({ ipPath: slow, timeoutMs: 300 }).submit(['addr add 10.0.0.1/32 dev eth0', 'addr add 10.0.0.2/32 dev eth0']);
    expect(r.map((x) => x.ok)).toEqual([false, false]);
    expect(!r[1]!.ok && r[1]!.error.detail).toMatch(/timed out/);
  });

  it('a batch that cannot run fails every one of its lines', async () => {
    const b = new IpBatcher({ ipPath: join(dir, 'no-such-ip') });
    const r = await b.submit(['addr add 10.0.0.1/32 dev eth0', 'addr add 10.0.0.2/32 dev eth0']);
    expect(r.map((x) => x.ok)).toEqual([false, false]);
    expect(!r[0]!.ok && r[0]!.error.detail).toMatch(/ENOENT/);
  });

  it('changeAddresses: invalid specs never reach ip; EEXIST reads as present', async () => {
    writeFileSync(log, '');
    const r = await changeAddresses(
      'add',
      [
        { address: '10.0.0.5/32', dev: 'eth0', label: 'eth0:v' },
        { address: '10.0.0.66/32', dev: 'eth0' },
        { address: '10.0.0.7/32', dev: 'eth0; reboot' },
      ],
      { ipPath: fakeIp },
    );
    expect(r.map((x) => (x.ok ? x.value : x.error.kind))).toEqual(['added', 'present', 'invalid']);
    expect(runs()).toEqual([['-force -batch -', 'addr add 10.0.0.5/32 dev eth0 label eth0:v', 'addr add 10.0.0.66/32 dev eth0']]);
  });

  it('changeRoutes: routes and rules in one run, in order; a route already gone reads as already', async () => {
    writeFileSync(log, '');
    const r = await changeRoutes(
      'del',
      [
        { kind: 'route', route: { how: 'prepend', to: '10.9.8.0/24', via: '192.168.50.254' as IpAddress } },
        { kind: 'route', route: { how: 'prepend', to: '10.9.9.0/24', dev: 'eth0' } },
        { kind: 'rule', rule: { from: '10.9.8.0/24', table: '100', preference: 100 } },
        { kind: 'rule', rule: { iif: 'eth0; reboot' } },
      ],
      { ipPath: fakeIp },
    );
    expect(r.map((x) => (x.ok ? x.value : x.error.kind))).toEqual(['done', 'already', 'done', 'invalid']);
    expect(runs()).toEqual([['-force -batch -', 'route del 10.9.8.0/24 via 192.168.50.254', 'route del 10.9.9.0/24 dev eth0', 'rule del from 10.9.8.0/24 table 100 preference 100']]);
  });

  it('changeAddresses: IPv6 lines carry nodad; iproute2\'s IPv6 words (lower case) read as present / absent', async () => {
    writeFileSync(log, '');
    const add = await changeAddresses('add', [{ address: 'fd00::65/64', dev: 'eth0' }, { address: 'fd00::66/64', dev: 'eth0' }], { ipPath: fakeIp });
    expect(add.map((x) => (x.ok ? x.value : x.error.kind))).toEqual(['added', 'present']);
    const del = await changeAddresses('del', [{ address: 'fd00::67/64', dev: 'eth0' }], { ipPath: fakeIp });
    expect(del.map((x) => (x.ok ? x.value : x.error.kind))).toEqual(['absent']);
    expect(runs()).toEqual([
      ['-force -batch -', 'addr add fd00::65/64 dev eth0 nodad', 'addr add fd00::66/64 dev eth0 nodad'],
      ['-force -batch -', 'addr del fd00::67/64 dev eth0'],
    ]);
  });
});
