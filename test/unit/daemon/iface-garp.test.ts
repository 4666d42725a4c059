/**
 * Gratuitous ARP bursts on an interface (src/daemon/iface.ts sendGarps) and the addon's sender
 * building its frames ahead (src/io/garp.ts PacketGarpSender.prepare), against fakes.
 */
import { describe, expect, it } from 'vitest';
import { Iface } from '../../../src/daemon/iface.js';
import { createLogger } from '../../../src/daemon/log.js';
import { Ipv6Forwarding, PacketGarpSender, type GarpError, type GarpSender } from '../../../src/io/garp.js';
import type { PacketAddon } from '../../../src/io/packet-addon.js';
import { err, ok, type Result } from '../../../src/result.js';
import { ipAddress } from '../../../src/wire/address.js';
import { emitGarp } from '../../../src/wire/arp.js';

const quiet = createLogger({ level: 'silent' });
const A = ipAddress('10.0.0.1');
const B = ipAddress('10.0.0.2');

/** A sender recording each frame; `failFor` fails every send for that address. */
function fakeSender(o: { sync: boolean; failFor?: string }) {
  const log: string[] = [];
  const one = (vip: string): Result<number, GarpError> => {
    log.push(vip);
    return vip === o.failFor ? err({ kind: 'send-failed', detail: 'ENOBUFS' }) : ok(1);
  };
  const sender: GarpSender = {
    ifname: 'eth0',
    mac: '02:00:00:00:00:01',
    mechanism: o.sync ? 'af-packet' : 'arping',
    send: (vip) => {
      log.push('async');
      return Promise.resolve(one(vip));
    },
    ...(o.sync ? { sendNow: (vip: string) => one(vip), prepare: (vips: readonly string[]) => void log.push(`prepare ${vips.join()}`) } : {}),
    close: () => undefined,
  };
  return { sender, log };
}

function ifaceWith(sender: GarpSender): Iface {
  const iface = new Iface('eth0', quiet);
  iface.garp = sender;
  return iface;
}

describe('Iface.sendGarps', () => {
  it('with the addon: count rounds over the addresses, each frame sent at once (no promise per frame); a failure is counted, the rest still go', async () => {
    const { sender, log } = fakeSender({ sync: true, failFor: B });
    const iface = ifaceWith(sender);
    const burst = iface.sendGarps([A, B], 3);
    expect(await burst).toEqual({ sent: 3, failed: 3 });
    expect(log).toEqual([A, B, A, B, A, B]); // never the promise-returning send()
  });

  it('without a synchronous sender (arping): send() for each frame, in the same order', async () => {
    const { sender, log } = fakeSender({ sync: false });
    expect(await ifaceWith(sender).sendGarps([A, B], 2)).toEqual({ sent: 4, failed: 0 });
    expect(log.filter((l) => l !== 'async')).toEqual([A, B, A, B]);
    expect(log.filter((l) => l === 'async')).toHaveLength(4);
  });

  it('bursts queue behind each other; prepareGarps builds on an open sender and does nothing without one', async () => {
    const { sender, log } = fakeSender({ sync: true });
    const iface = ifaceWith(sender);
    iface.prepareGarps([A, B]);
    const [one, two] = await Promise.all([iface.sendGarps([A], 2), iface.sendGarps([B], 1)]);
    expect([one, two]).toEqual([{ sent: 2, failed: 0 }, { sent: 1, failed: 0 }]);
    expect(log).toEqual([`prepare ${A},${B}`, A, A, B]);
    expect(() => new Iface('eth1', quiet).prepareGarps([A])).not.toThrow();
    const throwing = ifaceWith({ ...sender, prepare: () => { throw new Error('bug'); } });
    expect(() => throwing.prepareGarps([A])).not.toThrow(); // logged; the first burst builds the frames
  });
});

describe('PacketGarpSender.prepare', () => {
  it('builds each frame once, ahead; sending uses those bytes; an invalid address is left for send to report', () => {
    const frames: Uint8Array[] = [];
    const addon = { send: (_fd: number, _ifindex: number, frame: Uint8Array) => (frames.push(frame), frame.length), close: () => undefined } as unknown as PacketAddon;
    const forwarding = new Ipv6Forwarding('eth0', () => 0);
    const s = new PacketGarpSender(addon, 3, 'eth0', 2, '02:00:00:00:00:01', forwarding);
    s.prepare([A, 'not an address']);
    expect((s as unknown as { frames: Map<string, Uint8Array> }).frames.size).toBe(1); // built before any send
    expect(s.sendNow(A, 2)).toEqual(ok(2));
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBe(frames[1]); // the one frame built by prepare
    expect(frames[0]).toEqual(emitGarp('02:00:00:00:00:01', ipAddress('10.0.0.1', 'ipv4')));
    expect(s.sendNow('not an address')).toMatchObject({ ok: false, error: { kind: 'invalid' } });
  });
});
