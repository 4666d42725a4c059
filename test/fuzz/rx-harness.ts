/**
 * The daemon's receive path in-process, for the fuzzer: configs loaded by the daemon's loader,
 * instances built as the daemon builds them (daemon/build.ts), registered on an interface mux
 * (io/vrrp-mux.ts: the receive path, then the instance, then the router), with fake sockets,
 * `ip` and GARP. Three "interfaces" cover VRRPv2 (PASS, none, several VRIDs, an address owner),
 * VRRPv3 multicast over IPv4 and IPv6, and VRRPv3 unicast (peers, keepalived's old checksum).
 *
 * The oracle (protocol/counters.ts): every datagram moves exactly one drop counter or is accepted
 * (advertiseRcvd), nothing throws, and no handler logs a contained bug. One exception, by design:
 * an accepted advert whose address list differs from ours also moves addressListErrors (RFC 2787
 * counts the mismatch; keepalived and vrrpd accept it unless the config says otherwise).
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { loadConfig, memoryHost } from '../../src/config/index.js';
import { advertDestinations, instanceSpec, receiverSpec } from '../../src/daemon/build.js';
import { Instance } from '../../src/daemon/instance.js';
import type { PacketPort } from '../../src/io/vrrp-mux.js';
import { VrrpInterfaceMux } from '../../src/io/vrrp-mux.js';
import { DROP_REASONS, type InstanceCounters, type RouterCounters } from '../../src/protocol/counters.js';
import { ok } from '../../src/result.js';
import { ipAddress, type IpAddress } from '../../src/wire/address.js';
import type { RawDatagram } from '../../src/wire/datagram.js';

/** Our address on every fuzzed interface; the vectors' sender is 192.168.50.1 (fe80::50:ff:fe00:1). */
export const OUR_IP = '192.168.50.2';
const OUR_IP6 = 'fe80::50:ff:fe00:2';

const V2 = `global_defs {\n  router_id fuzz\n}
vrrp_instance VI_251 {\n  interface eth0\n  virtual_router_id 251\n  priority 100\n  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass 11111111\n  }\n  virtual_ipaddress {\n    192.168.50.100/24\n  }\n}
vrrp_instance VI_51 {\n  interface eth0\n  virtual_router_id 51\n  priority 255\n  advert_int 2\n  virtual_ipaddress {\n    192.168.50.200/24\n    192.168.50.201/24\n    10.20.30.40/32\n  }\n}
vrrp_instance VI_7 {\n  interface eth0\n  virtual_router_id 7\n  priority 150\n  advert_int 1\n  nopreempt\n  authentication {\n    auth_type PASS\n    auth_pass k8s-op-s\n  }\n  virtual_ipaddress {\n    192.168.50.100/24\n  }\n}
`;
const V3 = `global_defs {\n  router_id fuzz\n  vrrp_version 3\n}
vrrp_instance VI_251 {\n  interface eth0\n  virtual_router_id 251\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    192.168.50.100/24\n  }\n}
vrrp_instance VI_50 {\n  interface eth0\n  virtual_router_id 50\n  priority 255\n  advert_int 0.1\n  virtual_ipaddress {\n    192.168.50.150/24\n  }\n}
vrrp_instance VI_6 {\n  interface eth0\n  virtual_router_id 251\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    fe80::100/64\n    fd00:50::100/64\n  }\n}
`;
const V3_UNICAST = `global_defs {\n  router_id fuzz\n  vrrp_version 3\n}
vrrp_instance VI_251 {\n  interface eth0\n  virtual_router_id 251\n  priority 100\n  advert_int 1\n  unicast_src_ip ${OUR_IP}\n  unicast_peer {\n    192.168.50.1\n  }\n  virtual_ipaddress {\n    192.168.50.100/24\n  }\n}
`;

export const WORLDS = { v2: V2, v3: V3, 'v3-unicast': V3_UNICAST } as const;
export type World = keyof typeof WORLDS;

class FakePort extends EventEmitter implements PacketPort {
  readonly ifname = 'eth0';
  send(payload: Uint8Array): ReturnType<PacketPort['send']> {
    return ok(payload.length);
  }
}

/** What one datagram did: the counter it moved ("accepted", "accepted+addressListErrors"), or why the oracle failed. */
export type Outcome = { readonly ok: true; readonly moved: string } | { readonly ok: false; readonly why: string };

/** One fuzzed interface: its mux and instances, and the counters the oracle reads. */
class Interface {
  readonly port = new FakePort();
  readonly mux: VrrpInterfaceMux;
  readonly instances: Instance<unknown>[] = [];
  #cells: { readonly obj: RouterCounters | InstanceCounters; readonly key: string; readonly name: string }[] = [];
  #accepts: InstanceCounters[] = [];

  constructor(
    readonly world: World,
    bugs: string[],
    emitted: (payload: Uint8Array, dst: IpAddress) => void,
  ) {
    this.mux = new VrrpInterfaceMux(this.port, { localAddresses: [ipAddress(OUR_IP), ipAddress(OUR_IP6)], logger: { warn: () => undefined, debug: () => undefined } });
    const loaded = loadConfig('/etc/keepalived/keepalived.conf', memoryHost({ '/etc/keepalived/keepalived.conf': WORLDS[world] }, { interfaces: ['eth0'], hostname: 'fuzz' }));
    if (!loaded.config) throw new Error(`fuzz world ${world}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
    // Contained bugs are logged at error level with "bug:"; every such line is a failure.
    const log = pino({ level: 'error' }, { write: (line: string) => void (line.includes('bug') && bugs.push(line)) });
    for (const conf of loaded.config.instances) {
      const instance: Instance<unknown> = new Instance(instanceSpec(conf, conf.unicastSrcIp ?? ipAddress(conf.family === 'ipv6' ? OUR_IP6 : OUR_IP), loaded.config.global.vrrpMcastGroup4), {
        now: () => performance.now(),
        log,
        destinations: advertDestinations(conf, loaded.config.global),
        sendTo: (payload, dst) => {
          emitted(payload, dst);
          return { ok: true };
        },
        vipOps: { apply: (state, vips) => Promise.resolve(vips.map(() => ok(state === 'present' ? 'added' : 'removed'))), describe: (v) => String(v) },
      });
      const reg = this.mux.register(conf.name, { spec: receiverSpec(instance, conf.unicastPeers), onAdvert: (rx) => instance.receive(rx), destinations: [] });
      if (!reg.ok) throw new Error(reg.error.detail);
      this.instances.push(instance);
      this.#accepts.push(instance.router.counters);
    }
    for (const d of Object.values(DROP_REASONS)) {
      if (d.scope === 'router') this.#cells.push({ obj: this.mux.counters as RouterCounters, key: d.counter, name: d.counter });
      else for (const i of this.instances) this.#cells.push({ obj: i.router.counters, key: d.counter, name: d.counter });
    }
  }

  start(): void {
    for (const i of this.instances) {
      i.setLink(true);
      i.setTrackers([]);
      i.start();
    }
  }

  /** Feeds one datagram through the socket event the daemon listens to, and judges it. */
  feed(raw: RawDatagram, bugs: string[]): Outcome {
    const before = this.#cells.map((c) => (c.obj as Record<string, number>)[c.key]!);
    const acceptedBefore = this.#accepts.reduce((s, c) => s + c.advertiseRcvd, 0);
    const received = this.mux.counters.received;
    const bugsBefore = bugs.length;
    try {
      this.port.emit('packet', raw);
    } catch (e) {
      return { ok: false, why: `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
    }
    if (bugs.length > bugsBefore) return { ok: false, why: `logged a contained bug: ${bugs.at(-1)!}` };
    if (this.mux.counters.received !== received + 1) return { ok: false, why: 'received did not move by one' };
    const moved = this.#cells.flatMap((c, i) => ((c.obj as Record<string, number>)[c.key]! !== before[i] ? [`${c.name}${(c.obj as Record<string, number>)[c.key]! - before[i]! === 1 ? '' : `x${(c.obj as Record<string, number>)[c.key]! - before[i]!}`}`] : []));
    const accepted = this.#accepts.reduce((s, c) => s + c.advertiseRcvd, 0) - acceptedBefore;
    if (accepted === 0 && moved.length === 1 && !moved[0]!.includes('x')) return { ok: true, moved: moved[0]! };
    if (accepted === 1 && moved.length === 0) return { ok: true, moved: 'accepted' };
    if (accepted === 1 && moved.length === 1 && moved[0] === 'addressListErrors') return { ok: true, moved: 'accepted+addressListErrors' };
    return { ok: false, why: `moved [${moved.join(', ')}], accepted ${accepted}` };
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop()));
  }
}

/** Every fuzzed interface, started; `emitted` collects the adverts our instances send (as the wire would carry them). */
export class RxHarness {
  readonly bugs: string[] = [];
  readonly emitted: { payload: Uint8Array; dst: IpAddress; world: World }[] = [];
  readonly interfaces: Record<World, Interface>;

  constructor(opts: { maxEmitted?: number } = {}) {
    const max = opts.maxEmitted ?? 64;
    const make = (w: World) =>
      new Interface(w, this.bugs, (payload, dst) => {
        if (this.emitted.length < max) this.emitted.push({ payload: Uint8Array.from(payload), dst, world: w });
      });
    this.interfaces = { v2: make('v2'), v3: make('v3'), 'v3-unicast': make('v3-unicast') };
    for (const i of Object.values(this.interfaces)) i.start();
  }

  feed(world: World, raw: RawDatagram): Outcome {
    return this.interfaces[world].feed(raw, this.bugs);
  }

  /** The instances' states, for the figures. */
  states(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.interfaces).flatMap(([w, i]) => i.instances.map((x) => [`${w}/${x.name}`, x.state])));
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.interfaces).map((i) => i.stop()));
  }
}
