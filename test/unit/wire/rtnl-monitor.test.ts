import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitDumpRequest, IFA_F_SECONDARY, IFA_F_TENTATIVE, parseMonitorMessages, RTM_GETADDR, RTM_GETLINK, type MonitorMessage } from '../../../src/wire/rtnl-monitor.js';

/** Captured in a throwaway namespace by test/fixtures/rtnl/capture.mjs. */
const capture = JSON.parse(readFileSync(new URL('../../fixtures/rtnl/monitor-capture.json', import.meta.url), 'utf8')) as {
  dumpLinks: string[];
  dumpAddrs: string[];
  steps: { command: string; bytes: string }[];
};
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const step = (command: string): Uint8Array => hex(capture.steps.find((s) => s.command === command)!.bytes);
const brief = (m: MonitorMessage): string =>
  m.kind === 'link' ? `${m.deleted ? '-' : '+'}link ${m.index} ${m.ifname} ${m.up ? 'up' : 'down'}` : m.kind === 'addr' ? `${m.deleted ? '-' : '+'}addr ${m.index} ${m.address}/${m.prefixLen} scope ${m.scope} flags ${m.flags}` : `done ${m.errno}`;

describe('parseMonitorMessages on captured bytes', () => {
  it('reads an RTM_GETLINK dump of a fresh namespace: lo, down, then NLMSG_DONE, all NLM_F_MULTI', () => {
    const r = parseMonitorMessages(hex(capture.dumpLinks.join('')));
    expect(r.dropped).toBe(0);
    expect(r.messages.map(brief)).toEqual(['+link 1 lo down', 'done 0']);
    expect(r.messages.every((m) => m.multi && m.seq === 1)).toBe(true);
  });

  it('reads an empty RTM_GETADDR dump as its NLMSG_DONE', () => {
    const r = parseMonitorMessages(hex(capture.dumpAddrs.join('')));
    expect(r.messages.map(brief)).toEqual(['done 0']);
    expect(r.messages[0]!.seq).toBe(2);
  });

  it('reads RTM_NEWLINK notifications: up is IFF_UP and IFF_LOWER_UP', () => {
    expect(parseMonitorMessages(step('ip link add nl0 type veth peer name nl1')).messages.map(brief)).toEqual(['+link 2 nl1 down', '+link 3 nl0 down']);
    // UP without carrier (the peer is down): not up, as parseLinkLine says of <NO-CARRIER,UP>
    expect(parseMonitorMessages(step('ip link set nl1 up')).messages.map(brief)).toEqual(['+link 2 nl1 down']);
    const both = parseMonitorMessages(step('ip link set nl0 up')).messages.map(brief);
    expect(both.filter((b) => b.startsWith('+link 3')).at(-1)).toBe('+link 3 nl0 up');
    expect(both.filter((b) => b.startsWith('+link 2')).at(-1)).toBe('+link 2 nl1 up');
    expect(parseMonitorMessages(step('ip link set nl0 name nl9')).messages.map(brief)).toContain('+link 3 nl9 up');
  });

  it('reads RTM_NEWADDR / RTM_DELADDR: secondary, peer (IFA_LOCAL), IPv6 tentative then not', () => {
    expect(parseMonitorMessages(step('ip addr add 10.9.0.1/24 dev nl0')).messages.map(brief)).toEqual(['+addr 3 10.9.0.1/24 scope 0 flags 128']);
    const secondary = parseMonitorMessages(step('ip addr add 10.9.0.2/24 dev nl0')).messages[0]!;
    expect(secondary.kind === 'addr' && (secondary.flags & IFA_F_SECONDARY) !== 0).toBe(true);
    expect(parseMonitorMessages(step('ip addr add 10.9.1.1 peer 10.9.1.2/32 dev nl0')).messages.map(brief)).toContain('+addr 3 10.9.1.1/32 scope 0 flags 128');
    const v6 = parseMonitorMessages(step('ip addr add fd00::1/64 dev nl0')).messages.filter((m) => m.kind === 'addr' && m.address === 'fd00::1');
    expect(v6.map((m) => m.kind === 'addr' && (m.flags & IFA_F_TENTATIVE) !== 0)).toEqual([true, false]);
    expect(parseMonitorMessages(step('ip addr del 10.9.0.1/24 dev nl0')).messages.map(brief)).toEqual(['-addr 3 10.9.0.2/24 scope 0 flags 129', '-addr 3 10.9.0.1/24 scope 0 flags 128']);
  });

  it('reads RTM_DELLINK as a deleted link, never up', () => {
    const del = parseMonitorMessages(step('ip link del nl0')).messages.map(brief);
    expect(del).toContain('-link 3 nl0 down');
    expect(del).toContain('-link 2 nl1 down');
  });
});

describe('parseMonitorMessages on bad input', () => {
  const all = capture.steps.map((s) => hex(s.bytes)).filter((b) => b.length <= 1600); // every cut is quadratic: the smaller reads

  it('a read cut anywhere gives the whole messages before the cut and counts the broken tail once', () => {
    for (const bytes of all) {
      const whole = parseMonitorMessages(bytes).messages;
      for (let cut = 0; cut < bytes.length; cut++) {
        const r = parseMonitorMessages(bytes.subarray(0, cut));
        expect(whole.slice(0, r.messages.length)).toEqual(r.messages);
        expect(r.dropped).toBeLessThanOrEqual(1);
      }
    }
  });

  it('a malformed message inside (bad attribute length) is one drop; the next message is still read', () => {
    const bytes = step('ip addr del 10.9.0.1/24 dev nl0').slice();
    const view = new DataView(bytes.buffer);
    view.setUint16(16 + 8, 0xfff0, true); // the first message's first rtattr runs past its end
    const r = parseMonitorMessages(bytes);
    expect(r.dropped).toBe(1);
    expect(r.messages.map(brief)).toEqual(['-addr 3 10.9.0.1/24 scope 0 flags 128']);
  });

  it('an address of another family (AF_MCTP, in an AF_UNSPEC dump) is skipped, not a drop', () => {
    const bytes = step('ip addr del 10.9.0.1/24 dev nl0').slice();
    const whole = parseMonitorMessages(bytes).messages;
    bytes[16] = 45; // the first message's ifa_family
    const r = parseMonitorMessages(bytes);
    expect(r.dropped).toBe(0);
    expect(r.messages).toEqual(whole.slice(1));
  });

  it('a header length of 0, or past the buffer, ends the walk with one drop', () => {
    const bytes = step('ip link add nl0 type veth peer name nl1').slice();
    const view = new DataView(bytes.buffer);
    const first = view.getUint32(0, true);
    view.setUint32(first, 0, true);
    expect(parseMonitorMessages(bytes)).toMatchObject({ dropped: 1, messages: [{ kind: 'link', ifname: 'nl1' }] });
    view.setUint32(first, 0x7fffffff, true);
    expect(parseMonitorMessages(bytes).dropped).toBe(1);
  });

  it('never throws on any bytes, and each message moves the walk on', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = parseMonitorMessages(bytes);
        expect(r.messages.length + r.dropped).toBeLessThanOrEqual(Math.ceil(bytes.length / 16) + 1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('emitDumpRequest', () => {
  it('asks for every family with NLM_F_REQUEST | NLM_F_DUMP', () => {
    expect(Buffer.from(emitDumpRequest(RTM_GETLINK, 7)).toString('hex')).toBe('2000000012000103070000000000000000000000000000000000000000000000');
    expect(emitDumpRequest(RTM_GETADDR, 7).length).toBe(24);
  });
});
