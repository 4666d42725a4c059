/**
 * The Prometheus registry (prom-client), built from the metric definitions of src/status/metrics.ts:
 * at each scrape the status model is taken once and every gauge and counter is set from it; the
 * histograms are observed as checks finish and timers fire; prom-client's process defaults (memory,
 * CPU, file descriptors, event-loop lag, GC) come along. `MetricsEndpoint` (metrics.ts) loads this
 * module, and prom-client with it, only when metrics are switched on: prom-client and what it pulls
 * in cost several MB of RSS (docs/performance.md).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DaemonStatus } from '../status/model.js';
import { HISTOGRAMS, histogramSeries, metricDefs, type HistogramName, type MetricDef } from '../status/metrics.js';

export class MetricsRegistry {
  readonly #registry = new Registry();
  readonly #status: () => DaemonStatus;
  /** The status of the scrape in progress (collect callbacks run synchronously inside `metrics()`). */
  #current: DaemonStatus | undefined;
  readonly #histograms = new Map<HistogramName, { metric: Histogram<string>; series: Map<string, Record<string, string>> }>();

  constructor(status: () => DaemonStatus) {
    this.#status = status;
    for (const def of metricDefs()) this.#register(def);
    for (const [name, h] of Object.entries(HISTOGRAMS) as [HistogramName, (typeof HISTOGRAMS)[HistogramName]][]) {
      const metric = new Histogram({ name: h.name, help: h.help, labelNames: [...h.labels], buckets: [...h.buckets], registers: [this.#registry] });
      this.#histograms.set(name, { metric, series: new Map() });
    }
    collectDefaultMetrics({ register: this.#registry });
    // Gauges named like counters (promtool refuses them); nodejs_active_{handles,requests,resources}
    // (by type) carry the same figures.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.#registry.removeSingleMetric(name);
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** Record one event of a histogram (`seconds`, labels as in HISTOGRAMS). */
  observe(name: HistogramName, labels: Record<string, string>, seconds: number): void {
    const h = this.#histograms.get(name)!;
    h.metric.observe(labels, seconds);
    h.series.set(JSON.stringify(labels), labels);
  }

  /**
   * The exposition text for one scrape, from one status snapshot. A whole render is a few ms of
   * CPU; it goes metric by metric, yielding to the event loop between them, so a VRRP timer due
   * meanwhile waits for one metric (tens of µs), not for the scrape.
   */
  async metrics(): Promise<string> {
    const status = this.#status();
    this.#current = status;
    try {
      this.#pruneHistograms(status);
      const parts: string[] = [];
      for (const m of this.#registry.getMetricsAsArray()) {
        parts.push(await this.#registry.getSingleMetricAsString(m.name));
        await new Promise<void>((r) => setImmediate(r));
      }
      return `${parts.join('\n\n')}\n`; // Registry.metrics()'s layout for the text format
    } finally {
      this.#current = undefined;
    }
  }

  #register(def: MetricDef): void {
    const samples = (): ReturnType<MetricDef['samples']> => (this.#current ? def.samples(this.#current) : []);
    const config = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [this.#registry] };
    if (def.type === 'gauge') {
      new Gauge({
        ...config,
        collect(this: Gauge<string>) {
          this.reset();
          for (const s of samples()) this.set(s.labels, s.value);
        },
      });
    } else {
      // The model holds the running totals; a counter is re-set to them at each scrape.
      new Counter({
        ...config,
        collect(this: Counter<string>) {
          this.reset();
          for (const s of samples()) this.inc(s.labels, s.value);
        },
      });
    }
  }

  /** Series appear at zero for every current instance and script, and go with them. */
  #pruneHistograms(status: DaemonStatus): void {
    const want = histogramSeries(status);
    for (const [name, h] of this.#histograms) {
      const keep = new Map(want[name].map((l) => [JSON.stringify(l), l]));
      for (const [key, labels] of h.series) {
        if (keep.has(key)) continue;
        h.metric.remove(labels);
        h.series.delete(key);
      }
      for (const [key, labels] of keep) {
        if (h.series.has(key)) continue;
        h.metric.zero(labels);
        h.series.set(key, labels);
      }
    }
  }
}

