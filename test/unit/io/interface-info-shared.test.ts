/** getInterfaceInfo: calls in one turn of the loop share one read (the same way, of the same interface), never an older one. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { getInterfaceInfo } from '../../../src/io/interface-info.js';
import { loadPacketAddon } from '../../../src/io/packet-addon.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-ifinfo-'));
const log = join(dir, 'runs.log');
const fakeIp = join(dir, 'ip');
writeFileSync(
  fakeIp,
  `#!/bin/bash
echo run >> ${JSON.stringify(log)}
echo '[{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP","address":"02:00:5e:00:00:01","addr_info":[{"family":"inet","local":"192.168.50.1","prefixlen":24,"scope":"global","label":"eth0"}]}]'
`,
);
chmodSync(fakeIp, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runs = (): number => readFileSync(log, 'utf8').split('\n').filter(Boolean).length;

it('255 callers in one turn cost one read; a call made while it runs gets the next one', async () => {
  writeFileSync(log, '');
  const first = await Promise.all(Array.from({ length: 255 }, () => getInterfaceInfo('eth0', { ipPath: fakeIp })));
  expect(runs()).toBe(1);
  expect(first.every((r) => r.ok && r.value.primaryIpv4 === '192.168.50.1')).toBe(true);
  const a = getInterfaceInfo('eth0', { ipPath: fakeIp });
  await new Promise((r) => setImmediate(r)); // a's read has started
  const b = getInterfaceInfo('eth0', { ipPath: fakeIp });
  await Promise.all([a, b]);
  expect(runs()).toBe(3);
});

const addonBuilt = (() => {
  const a = loadPacketAddon();
  return a.ok && a.value.rtnlStrict !== undefined;
})();

it.skipIf(!addonBuilt)('a read over rtnetlink and a read through `ip` asked in one turn are two reads, not one', async () => {
  writeFileSync(log, '');
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved ?? ''}`; // `ip` is the fake one
  try {
    const [viaNetlink, viaIp] = await Promise.all([getInterfaceInfo('lo'), getInterfaceInfo('lo', { ipPath: 'ip' })]);
    expect(runs()).toBe(1);
    expect(viaNetlink).toMatchObject({ ok: true, value: { name: 'lo' } });
    expect(viaIp).toMatchObject({ ok: false, error: { kind: 'no-such-interface' } }); // the fake prints eth0 only
  } finally {
    process.env.PATH = saved;
  }
});
