/** The package's entry points resolve and expose what the README promises. */
import { expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import * as sim from '../../src/sim/index.js';

it('the library entry exports the router, the simulator, the codecs and the config loader', () => {
  expect(typeof lib.Router).toBe('function');
  expect(typeof lib.Simulation).toBe('function');
  expect(typeof lib.wire.parseAdvert).toBe('function');
  expect(typeof lib.config.loadConfig).toBe('function');
  expect(lib.masterDownIntervalMs(2, 90, 100)).toBe(3648.4375);
});

it('vrrpd/sim exports what the README example uses', () => {
  expect(typeof sim.Simulation).toBe('function');
  expect(sim.priority(90)).toBe(90);
  expect(sim.vrid(251)).toBe(251);
});
