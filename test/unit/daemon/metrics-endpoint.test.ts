/** MetricsEndpoint when its lazily loaded code is missing (the bundle's chunks replaced under a running daemon). */
import { pino } from 'pino';
import { expect, it, vi } from 'vitest';
import { ipAddress } from '../../../src/wire/address.js';
import { sampleStatus } from '../../helpers/status-fixture.js';

it('metrics code that cannot be loaded is reported in the status facts, not thrown', async () => {
  vi.doMock('../../../src/daemon/metrics-server.js', () => {
    throw new Error("Cannot find module './metrics-server-0LDHASH.js'");
  });
  const { MetricsEndpoint } = await import('../../../src/daemon/metrics.js');
  const ep = new MetricsEndpoint(() => sampleStatus(), pino({ level: 'silent' }));
  await ep.apply({ host: ipAddress('127.0.0.1'), port: 9 });
  expect(ep.facts()).toEqual({ listen: '127.0.0.1:9', error: expect.stringContaining('could not load the metrics code') as string });
  vi.doUnmock('../../../src/daemon/metrics-server.js');
});
