/** Builders for router tests: a config like the seed's, and adverts from a peer. */
import { priority, vrid, type RouterConfig } from '../../src/protocol/types.js';
import type { Advert } from '../../src/wire/types.js';

export const PASS = new Uint8Array([0x50, 0x41, 0x53, 0x53, 0, 0, 0, 0]); // "PASS" zero-padded
export const VIP = '192.168.50.100';

export function routerConfig(over: Partial<Omit<RouterConfig, 'vrid' | 'priority'>> & { vrid?: number; priority?: number } = {}): RouterConfig {
  const { vrid: v = 251, priority: p = 100, ...rest } = over;
  return {
    name: 'VI_1',
    vrid: vrid(v),
    priority: priority(p),
    adverIntervalMs: 1000,
    preempt: true,
    preemptDelayMs: 0,
    authType: 1,
    authData: PASS,
    vips: [VIP],
    primaryIp: '192.168.50.2',
    addressMismatch: 'accept',
    ...rest,
  };
}

export function advert(over: Partial<Advert> = {}): Advert {
  return {
    version: 2,
    type: 1,
    vrid: 251,
    priority: 100,
    authType: 1,
    adverIntervalSec: 1,
    addresses: [VIP],
    authData: PASS,
    ...over,
  };
}
