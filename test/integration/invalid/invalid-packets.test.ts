/**
 * Invalid advertisements against real daemons (UNH-IOL VRRP group 4, and more): a vrrpd MASTER
 * (priority 100) and BACKUP (90) on one bridge, the injector in a third namespace.
 *
 * Each bad packet is built to do harm if wrongly accepted: at the master it carries priority 255
 * (accepted, the master would step down), at the backup priority 0 (accepted, the backup would
 * take over after Skew_Time). So "the state does not change" is a real check; the `valid`
 * controls show the same packets do move the routers when nothing is wrong with them.
 *
 * IP options (IHL > 5): RFC 3768 §7.1 lists the receive checks (TTL, version, length, checksum,
 * VRID, auth, interval, addresses); none concerns IP options, so a datagram with options that is
 * otherwise valid is accepted. (Linux delivers it to the raw socket with the options in place;
 * the parser skips IHL * 4 bytes.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { craftInvalid, type InvalidKind, type TargetProfile } from '../../../src/lab/injector.js';
import { ipAddress, type Ipv4Address } from '../../../src/wire/address.js';

const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');
import { cluster, expectHolders, seedConfig, skipReason, waitConverged, type Cluster, type LogLine, type Node } from '../daemon/harness.js';
import { counterDelta, counterSnapshot, InjectorAgent, sleep } from './inject.js';

const reason = await skipReason();
const VIP = '192.168.50.100';
const SETTLE_MS = 400;
const MDI_100 = 3609.375;
const MARGIN = 1500;

interface Case {
  readonly kind: InvalidKind;
  /** The counters that must move, per packet (router-level drops also count as delivered by the mux). */
  readonly expect: Record<string, number>;
  /** The reason the 'advert dropped' log line gives (the mux's for form, the router's for meaning). */
  readonly log: string;
  /** Priority at the master; default 255. */
  readonly masterPriority?: number;
}

/**
 * Dropped by the receive path (form, version, checksum, VRID, TTL): counted router-wide on the
 * interface (`eth0.*`) or for the virtual router (`counters.*`), once, where the MIBs put it.
 */
const MUX_CASES: Case[] = [
  { kind: 'ttl-254', expect: { 'counters.ipTtlErrors': 1 }, log: 'ip-ttl' },
  { kind: 'bad-checksum', expect: { 'eth0.checksumErrors': 1 }, log: 'checksum' },
  { kind: 'version-1', expect: { 'eth0.versionErrors': 1 }, log: 'version' },
  { kind: 'version-mismatch', expect: { 'counters.versionMismatch': 1 }, log: 'version-mismatch' },
  { kind: 'type-2', expect: { 'counters.invalidTypePktsRcvd': 1 }, log: 'type' },
  { kind: 'unknown-vrid', expect: { 'eth0.vrIdErrors': 1 }, log: 'vrid' },
  { kind: 'auth-type-ah', expect: { 'counters.invalidAuthType': 1 }, log: 'auth-type-invalid' },
  { kind: 'count-mismatch', expect: { 'counters.packetLengthErrors': 1 }, log: 'packet-length' },
  { kind: 'count-zero', expect: { 'counters.packetLengthErrors': 1 }, log: 'packet-length' },
  { kind: 'truncated', expect: { 'counters.packetLengthErrors': 1 }, log: 'packet-length' },
  { kind: 'oversized', expect: { 'counters.packetLengthErrors': 1 }, log: 'packet-length' },
];
/** Well formed, dropped by the router's §7.1 checks: counted in `counters.*`, logged. */
const ROUTER_CASES: Case[] = [
  { kind: 'auth-type-mismatch', expect: { 'counters.authTypeMismatch': 1 }, log: 'auth-type-mismatch' },
  { kind: 'auth-data-mismatch', expect: { 'counters.authFailures': 1 }, log: 'auth-failure' },
  { kind: 'interval-mismatch', expect: { 'counters.advertiseIntervalErrors': 1 }, log: 'interval-mismatch' },
  // §7.1 MAY check the list, and then MUST drop it unless the sender is the owner (priority 255):
  // vrrpd's default (like keepalived 2.2.7) drops it, so the harmful priority here is 254.
  { kind: 'address-list-mismatch', expect: { 'counters.addressListErrors': 1 }, log: 'address-list', masterPriority: 254 },
];
const DROP_CASES = [...MUX_CASES, ...ROUTER_CASES];

/** Cases in groups (order kept) where no two cases of a group expect the same counter to move. */
function disjointGroups(cases: readonly Case[]): Case[][] {
  const groups: Case[][] = [];
  for (const cs of cases) {
    const fits = groups.find((g) => g.every((o) => Object.keys(o.expect).every((k) => !(k in cs.expect))));
    if (fits) fits.push(cs);
    else groups.push([cs]);
  }
  return groups;
}
const pick = (o: Record<string, number>, keys: readonly string[]): Record<string, number> => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]!]));

const states = (n: Node, from: number): LogLine[] => n.logs.slice(from).filter((l) => typeof l.to === 'string' && typeof l.from === 'string');
const dropLines = (n: Node, from: number, src: string): LogLine[] =>
  n.logs.slice(from).filter((l) => (l.msg === 'advert dropped' || l.msg === 'advert accepted with a mismatch') && l.from === src);

describe.skipIf(reason !== undefined)('invalid advertisements against a vrrpd master and backup', () => {
  let c: Cluster;
  let agent: InjectorAgent;
  let m: Node;
  let b: Node;
  let target: (priority: number, dst?: string) => TargetProfile;

  beforeAll(async () => {
    c = await cluster(['m', 'b', 'inj'], 'vtv');
    m = c.node('m');
    b = c.node('b');
    m.writeConfig(seedConfig({ state: 'MASTER', priority: 100 }));
    b.writeConfig(seedConfig({ priority: 90 }));
    m.start();
    b.start();
    await m.waitState('MASTER', 10_000);
    await waitConverged(c, 'm');
    const injHost = c.node('inj').host;
    target = (priority, dst) => ({ src: v4(injHost.ip), ...(dst ? { dst: v4(dst) } : {}), vrid: 251, priority, password: 'PASS', adverIntervalCs: 100, addresses: [v4(VIP)] });
    agent = new InjectorAgent(injHost);
    await sleep(1500);
  });
  afterAll(async () => {
    await agent?.close();
    await c?.destroy();
  });

  const alive = async (n: Node, state: string) => {
    expect(n.proc?.exitCode).toBeNull();
    expect((await n.status()).instances[0]).toMatchObject({ state });
  };

  describe('at the master (bad packets carry priority 255)', () => {
    const logFrom = new Map<InvalidKind, number>();

    for (const cs of DROP_CASES) {
      it(`${cs.kind}: dropped; ${Object.keys(cs.expect).join(' and ')} move by one; still MASTER`, async () => {
        const from = m.logs.length;
        logFrom.set(cs.kind, from);
        const before = await counterSnapshot(m);
        await agent.send([craftInvalid(cs.kind, target(cs.masterPriority ?? 255))]);
        await sleep(SETTLE_MS);
        expect(counterDelta(before, await counterSnapshot(m))).toEqual(cs.expect);
        expect(states(m, from)).toEqual([]);
        await alive(m, 'MASTER');
      });

      it(`${cs.kind}: four more, still one log line for all five (rate-limited)`, async () => {
        const from = logFrom.get(cs.kind) ?? m.logs.length;
        const before = await counterSnapshot(m);
        await agent.send([craftInvalid(cs.kind, target(cs.masterPriority ?? 255))], 4);
        await sleep(SETTLE_MS);
        const delta = counterDelta(before, await counterSnapshot(m));
        for (const [k, v] of Object.entries(cs.expect)) expect(delta[k]).toBe(4 * v);
        const lines = dropLines(m, from, c.node('inj').host.ip);
        // Lines are limited per (reason, source) and 10 s window: a reason an earlier case already
        // logged stays quiet, unless its window ran out in between (then one line, counting the rest).
        const earlier = DROP_CASES.slice(0, DROP_CASES.indexOf(cs)).some((e) => e.log === cs.log);
        if (earlier) expect(lines.length).toBeLessThanOrEqual(1);
        else expect(lines).toHaveLength(1);
        if (!earlier) expect(lines[0]).toMatchObject({ msg: 'advert dropped', reason: cs.log, suppressed: 0 });
        expect(states(m, from)).toEqual([]);
      });
    }

    it('IP options (IHL 6), otherwise valid: accepted (RFC 3768 §7.1 has no options rule), lower priority so no transition', async () => {
      const from = m.logs.length;
      const before = await counterSnapshot(m);
      await agent.send([craftInvalid('ip-options', target(50))]);
      await sleep(SETTLE_MS);
      expect(counterDelta(before, await counterSnapshot(m))).toEqual({ 'counters.advertiseRcvd': 1 });
      expect(states(m, from)).toEqual([]);
    });

    it('priority 255 from a non-owner: the master steps down (§6.4.3: higher priority), and takes over again when it falls silent', async () => {
      const from = m.logs.length;
      const before = await counterSnapshot(m);
      await agent.send([craftInvalid('priority-255', target(255))]);
      const down = await m.waitState('BACKUP', 2000, from);
      expect(down).toMatchObject({ reason: 'higher-priority-advert' });
      expect(String(down.detail)).toContain(c.node('inj').host.ip);
      const delta = counterDelta(before, await counterSnapshot(m));
      expect(delta).toMatchObject({ 'counters.advertiseRcvd': 1, 'counters.becomeBackup': 1 });
      await m.waitState('MASTER', MDI_100 + MARGIN, from);
      await sleep(2500);
      expect(m.lastState()).toBe('MASTER');
      expect(b.lastState()).toBe('BACKUP');
      await expectHolders(c, ['m']);
    });
  });

  // Sent to the backup's own address: a master answers every accepted priority-0 advert at once
  // (§6.4.3), which would reset the backup's timer and hide the effect.
  describe('at the backup (bad packets carry priority 0, five 700 ms apart, unicast to it)', () => {
    // Each accepted priority-0 advert arms Skew_Time (648 ms at priority 90); the master's next
    // advert re-arms Master_Down_Interval. One 700 ms apart, five of them land at five phases of
    // the master's 1 s cycle no more than 300 ms apart, so at least one is followed by 648 ms of
    // silence from the master: an accepted one always leads to a takeover.
    const BURST = 5;
    const GAP_MS = 700;
    const background = new Set(['counters.advertiseSent', 'counters.advertiseRcvd', 'eth0.received', 'eth0.ownPackets']);

    it('control: valid priority-0 adverts make the backup take over after Skew_Time (§6.4.2)', async () => {
      const from = b.logs.length;
      const sending = agent.send([craftInvalid('valid', target(0, b.host.ip))], BURST, GAP_MS);
      const took = await b.waitState('MASTER', BURST * GAP_MS + 1000, from);
      expect(took.reason).toBe('master-down-timer');
      // The real master (100) is still there: the backup yields again at its next advert.
      await b.waitState('BACKUP', 3000, from);
      await sending;
      await sleep(1500);
      await expectHolders(c, ['m']);
    });

    // The kinds go in groups whose counters do not overlap, each group's packets side by side in
    // every slot of one burst: a counter that moves belongs to one kind, so each kind's count is
    // still checked on its own, and one accepted packet in a slot still leads to a takeover.
    for (const group of disjointGroups(DROP_CASES)) {
      it(`${group.map((cs) => cs.kind).join(', ')}: each dropped, counted ${BURST} times, no takeover`, async () => {
        const from = b.logs.length;
        const before = await counterSnapshot(b);
        await agent.send(group.map((cs) => craftInvalid(cs.kind, target(0, b.host.ip))), BURST, GAP_MS);
        await sleep(800);
        const delta = counterDelta(before, await counterSnapshot(b), background);
        for (const cs of group) {
          const want = Object.fromEntries(Object.entries(cs.expect).filter(([k]) => !background.has(k)).map(([k, v]) => [k, v * BURST]));
          expect(pick(delta, Object.keys(want)), cs.kind).toEqual(want);
        }
        // and nothing else moved (what a kind would have counted wrongly besides its own counter)
        expect(Object.keys(delta).sort()).toEqual(group.flatMap((cs) => Object.keys(cs.expect).filter((k) => !background.has(k))).sort());
        expect(states(b, from)).toEqual([]);
        await alive(b, 'BACKUP');
      });
    }
  });

  it('nothing crashed: both daemons alive, master and backup as configured', async () => {
    await alive(m, 'MASTER');
    await alive(b, 'BACKUP');
    for (const n of [m, b]) expect(n.logs.filter((l) => /uncaught|threw|stderr/i.test(l.msg))).toEqual([]);
  });
});
