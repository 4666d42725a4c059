/**
 * CI's sample of the receive-path fuzzer (test/fuzz/): 10 000 datagrams, seeded (VRRPD_FUZZ_SEED
 * overrides the fixed seed; `npm run fuzz` runs the million). A failing input is saved under
 * test/fixtures/regressions/ and the seed is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitAdvert } from '../../src/wire/advert.js';
import { ipAddress } from '../../src/wire/address.js';
import { emitIpv4 } from '../../src/wire/ipv4.js';
import { saveRegression } from '../fuzz/regressions.js';
import { fuzzRx } from '../fuzz/rx-fuzz.js';
import { RxHarness } from '../fuzz/rx-harness.js';

const SEED = Number(process.env.VRRPD_FUZZ_SEED ?? 20261130) >>> 0;
const src = ipAddress('192.168.50.1', 'ipv4');
const group = ipAddress('224.0.0.18', 'ipv4');
const pass = Uint8Array.from(Buffer.from('11111111'));
const v2 = (priority: number) =>
  emitIpv4({ src, dst: group, ttl: 255 }, emitAdvert({ version: 2, type: 1, vrid: 251, priority, adverIntervalCs: 100, addresses: [ipAddress('192.168.50.100', 'ipv4')], auth: { type: 1, data: pass } }));

describe('the oracle tells what each datagram did', () => {
  let h: RxHarness;
  beforeAll(() => void (h = new RxHarness()));
  afterAll(async () => h.stop());

  it('a good advert is accepted; a corrupt checksum, a wrong password, a cut packet each move their one counter', () => {
    expect(h.feed('v2', { family: 'ipv4', bytes: v2(50) })).toEqual({ ok: true, moved: 'accepted' });
    const bad = v2(50);
    bad[bad.length - 1] = bad.at(-1)! ^ 1; // the last address byte: the checksum no longer verifies
    expect(h.feed('v2', { family: 'ipv4', bytes: bad })).toEqual({ ok: true, moved: 'checksumErrors' });
    const wrongPass = emitIpv4({ src, dst: group, ttl: 255 }, emitAdvert({ version: 2, type: 1, vrid: 251, priority: 50, adverIntervalCs: 100, addresses: [ipAddress('192.168.50.100', 'ipv4')], auth: { type: 1, data: new Uint8Array(8) } }));
    expect(h.feed('v2', { family: 'ipv4', bytes: wrongPass })).toEqual({ ok: true, moved: 'authFailures' });
    expect(h.feed('v3', { family: 'ipv4', bytes: v2(50).subarray(0, 10) })).toEqual({ ok: true, moved: 'ipErrors' });
  });
});

describe(`receive-path fuzz sample: 10 000 datagrams, seed ${SEED}`, () => {
  it('nothing throws, no contained bug is logged, every datagram moves exactly one counter or is accepted', async () => {
    const f = await fuzzRx(10_000, SEED);
    const saved = f.failures.map((r) => saveRegression(r));
    expect(f.failures.map((r) => r.why), `seed ${SEED} (replay: VRRPD_FUZZ_SEED=${SEED}); saved ${saved.join(', ')}`).toEqual([]);
    // The sample reaches past the receive path into the routers, and through both families.
    expect(f.outcomes.accepted).toBeGreaterThan(100);
    for (const k of ['checksumErrors', 'vrIdErrors', 'packetLengthErrors', 'authFailures', 'versionMismatch', 'ipTtlErrors']) expect(f.outcomes[k], k).toBeGreaterThan(0);
    expect(f.ipv6).toBeGreaterThan(0);
  }, 120_000);
});
