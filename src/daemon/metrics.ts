/**
 * The daemon's metrics endpoint: the Prometheus registry (metrics-registry.ts, on prom-client) and
 * its HTTP server (metrics-server.ts), both loaded the first time an address is configured, so a
 * daemon without metrics never loads prom-client or node:http (docs/performance.md).
 */
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import type { DaemonStatus } from '../status/model.js';
import type { HistogramName } from '../status/metrics.js';
import type { Logger } from './log.js';
import type { MetricsRegistry } from './metrics-registry.js';
import type { MetricsServer } from './metrics-server.js';

/**
 * The daemon's metrics endpoint over its life: started when an address is configured (command
 * line, else `vrrpd_metrics`), moved or stopped on reload, closed on stop. A failure to listen
 * is logged and shown in status; VRRP runs on regardless.
 */
export class MetricsEndpoint {
  readonly #status: () => DaemonStatus;
  readonly #log: Logger;
  #registry: MetricsRegistry | undefined;
  #server: MetricsServer | undefined;
  #listen: string | undefined;
  #error: string | undefined;

  constructor(status: () => DaemonStatus, log: Logger) {
    this.#status = status;
    this.#log = log;
  }

  /** Serve on `at` (or stop when undefined); a no-op when already serving there. */
  async apply(at: ListenAddress | undefined): Promise<void> {
    const key = at ? formatListenAddress(at) : undefined;
    if (key === this.#listen && (this.#server || key === undefined)) return;
    await this.close();
    this.#listen = key;
    if (!at) return;
    let modules: [typeof import('./metrics-registry.js'), typeof import('./metrics-server.js')];
    try {
      modules = await Promise.all([import('./metrics-registry.js'), import('./metrics-server.js')]);
    } catch (e) {
      // The bundle's chunks are named by content hash: files upgraded under a running daemon are not found (restart it).
      this.#error = `could not load the metrics code: ${(e as Error).message}`;
      this.#log.error({ detail: this.#error }, 'metrics endpoint not started (VRRP runs on; restart vrrpd if its files were upgraded)');
      return;
    }
    const [{ MetricsRegistry }, { serveMetrics }] = modules;
    this.#registry ??= new MetricsRegistry(this.#status);
    const registry = this.#registry;
    const r = await serveMetrics({ listen: at, render: () => registry.metrics(), contentType: registry.contentType, log: this.#log });
    if (!r.ok) {
      this.#error = r.error;
      this.#log.error({ detail: r.error }, 'metrics endpoint not started (VRRP runs on; fix the address and reload)');
      return;
    }
    this.#server = r.value;
    this.#log.info({ url: `http://${r.value.address}/metrics` }, 'metrics endpoint listening');
  }

  /** For the status model's process facts. */
  facts(): { listen: string; error?: string } | undefined {
    if (this.#listen === undefined) return undefined;
    return this.#error === undefined ? { listen: this.#server?.address ?? this.#listen } : { listen: this.#listen, error: this.#error };
  }

  /** Whether `observe` records anything (metrics were on at some point): the callers' conversions can be skipped when not. */
  get recording(): boolean {
    return this.#registry !== undefined;
  }

  /** Record a histogram event (nothing when metrics are off). */
  observe(name: HistogramName, labels: Record<string, string>, seconds: number): void {
    this.#registry?.observe(name, labels, seconds);
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    this.#error = undefined;
    this.#listen = undefined;
    await s?.close();
  }
}
