/**
 * vrrpd's metrics across a lab run as a picture (pure: scrapes in, SVG text out), in the demo's
 * frame (svg.ts): per node its state and its check's state as bands, the effective priorities
 * and the advert rates as lines, each transition as a tick with its reason. The data is what
 * `scrape.js` recorded from each node's /metrics; a node that did not answer (killed) is a gap.
 */
import type { PromSample, Scrape } from './prom-text.js';
import { bar, COLORS, esc, ROW, timeFrame, type FrameRow, type RowPen } from './svg.js';

export interface MetricsPicture {
  readonly t0: number;
  readonly tEnd: number;
  /** Node name -> its scrapes, in time order. */
  readonly scrapes: Record<string, readonly Scrape[]>;
  /** The vrrp_instance to draw. */
  readonly instance: string;
  readonly marks: readonly { readonly t: number; readonly label: string }[];
  readonly title: string;
}

const STATE_FILL: Record<string, (node: string) => string> = {
  MASTER: (node) => COLORS[node] ?? '#777',
  BACKUP: () => '#c8d3e0',
  FAULT: () => '#d62728',
  INIT: () => '#999',
};
/** Points further apart than this (ms; scrapes come every 250 ms) are not joined. */
const GAP_MS = 1000;
const CHECK_FILL: Record<string, string> = { healthy: '#2e9e44', failed: '#d62728', unknown: '#999', disabled: '#e0a030' };

const matches = (s: PromSample, name: string, labels: Readonly<Record<string, string>>): boolean =>
  s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** Spans of the label `key` whose sample is 1, from each scrape to the next: [from, to, value]. */
export function labelSpans(scrapes: readonly Scrape[], name: string, labels: Readonly<Record<string, string>>, key: string): [number, number, string][] {
  const out: [number, number, string][] = [];
  scrapes.forEach((s, i) => {
    const on = s.samples.find((x) => matches(x, name, labels) && x.value === 1)?.labels[key];
    const next = scrapes[i + 1]?.t;
    if (on === undefined || next === undefined) return;
    const last = out.at(-1);
    if (last && last[2] === on && last[1] === s.t) last[1] = next;
    else out.push([s.t, next, on]);
  });
  return out;
}

/** A gauge's values over time: [t, value]. */
export function gaugePoints(scrapes: readonly Scrape[], name: string, labels: Readonly<Record<string, string>>): [number, number][] {
  return scrapes.flatMap((s) => {
    const v = s.samples.find((x) => matches(x, name, labels))?.value;
    return v === undefined ? [] : [[s.t, v] as [number, number]];
  });
}

/**
 * A counter's rate per second over the last `windowMs` (as Prometheus' rate() over a range): at
 * each scrape, from the earliest scrape in the window with no reset in between: [t, rate].
 */
export function ratePoints(scrapes: readonly Scrape[], name: string, labels: Readonly<Record<string, string>>, windowMs = 2000): [number, number][] {
  const pts = gaugePoints(scrapes, name, labels);
  return pts.flatMap(([t, v], i) => {
    let j = i;
    while (j > 0 && t - pts[j - 1]![0] <= windowMs && pts[j - 1]![1] <= pts[j]![1]) j--;
    const [t1, v1] = pts[j]!;
    return j < i && t > t1 ? [[t, ((v - v1) * 1000) / (t - t1)] as [number, number]] : [];
  });
}

/** Every increase of any series of a counter between consecutive answered scrapes: [t, labels]. */
export function increases(scrapes: readonly Scrape[], name: string, labels: Readonly<Record<string, string>>): [number, Readonly<Record<string, string>>][] {
  const out: [number, Readonly<Record<string, string>>][] = [];
  const key = (s: PromSample): string => JSON.stringify(s.labels);
  let before: Map<string, number> | undefined;
  for (const s of scrapes) {
    if (s.error) {
      before = undefined;
      continue;
    }
    const now = new Map(s.samples.filter((x) => matches(x, name, labels)).map((x) => [key(x), x.value]));
    if (before) for (const x of s.samples.filter((y) => matches(y, name, labels))) if (x.value > (before.get(key(x)) ?? 0)) out.push([s.t, x.labels]);
    before = now;
  }
  return out;
}

/** Lines of several series in one row, scaled to [lo, hi], with the bounds written at the right. */
function lineRow(label: string, series: readonly { node: string; points: readonly [number, number][]; dashed?: boolean; what: string }[], lo: number, hi: number): FrameRow {
  return {
    label,
    height: 2 * ROW,
    draw: (pen: RowPen) => {
      const y = (v: number): number => pen.y + pen.height - 8 - ((v - lo) / Math.max(1e-9, hi - lo)) * (pen.height - 16);
      const out = [
        `<text x="${pen.left + pen.width - 2}" y="${y(hi) + 4}" font-size="10" text-anchor="end" fill="#666">${hi}</text>`,
        `<text x="${pen.left + pen.width - 2}" y="${y(lo)}" font-size="10" text-anchor="end" fill="#666">${lo}</text>`,
      ];
      for (const s of series) {
        if (s.points.length === 0) continue;
        // A gap in the data (the node did not answer) is a gap in the line.
        const d = s.points.map(([t, v], i) => `${i === 0 || t - s.points[i - 1]![0] > GAP_MS ? 'M' : 'L'}${pen.x(t).toFixed(1)},${y(Math.min(hi, Math.max(lo, v))).toFixed(1)}`).join(' ');
        out.push(`<path d="${d}" fill="none" stroke="${COLORS[s.node] ?? '#777'}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4,3"' : ''}><title>${esc(`${s.node} ${s.what}`)}</title></path>`);
      }
      return out;
    },
  };
}

export function renderMetricsSvg(pic: MetricsPicture): string {
  const nodes = Object.keys(pic.scrapes);
  const inst = { vrrp_instance: pic.instance };
  const rel = (t: number): string => ((t - pic.t0) / 1000).toFixed(2);
  const sc = (n: string): readonly Scrape[] => pic.scrapes[n] ?? [];
  const rows: FrameRow[] = [];
  for (const n of nodes) {
    rows.push({
      label: `${n} state`,
      draw: (pen) => labelSpans(sc(n), 'vrrpd_instance_state', inst, 'state').map(([a, b, st]) => bar(pen, a, b, (STATE_FILL[st] ?? (() => '#777'))(n), `${n} ${st} ${rel(a)}-${rel(b)} s`)),
    });
  }
  for (const n of nodes) {
    rows.push({
      label: `${n} check`,
      draw: (pen) => labelSpans(sc(n), 'vrrpd_script_state', {}, 'state').map(([a, b, st]) => bar(pen, a, b, CHECK_FILL[st] ?? '#777', `${n} check ${st} ${rel(a)}-${rel(b)} s`)),
    });
  }
  const prio = nodes.map((n) => ({ node: n, what: 'effective priority', points: gaugePoints(sc(n), 'vrrpd_instance_effective_priority', inst) }));
  const values = prio.flatMap((p) => p.points.map(([, v]) => v));
  const lo = Math.max(0, Math.floor((Math.min(...values, 100) - 10) / 10) * 10);
  const hi = Math.ceil((Math.max(...values, 0) + 5) / 10) * 10;
  rows.push(lineRow('priority', prio, lo, hi));
  const adverts = nodes.flatMap((n) => [
    { node: n, what: 'adverts received / s', points: ratePoints(sc(n), 'vrrpd_advertise_rcvd_total', inst) },
    { node: n, what: 'adverts sent / s', points: ratePoints(sc(n), 'vrrpd_advertise_sent_total', inst), dashed: true },
  ]);
  rows.push(lineRow('adverts / s', adverts, 0, Math.max(2, Math.ceil(Math.max(0, ...adverts.flatMap((a) => a.points.map(([, v]) => v))))))); 
  rows.push({
    label: 'transitions',
    draw: (pen) =>
      nodes.flatMap((n) =>
        increases(sc(n), 'vrrpd_transitions_total', inst).map(([t, l], i) => {
          const tx = pen.x(t).toFixed(1);
          const row = nodes.indexOf(n);
          const y1 = pen.y + 6 + row * ((pen.height - 12) / nodes.length);
          return `<line x1="${tx}" y1="${y1.toFixed(1)}" x2="${tx}" y2="${(y1 + (pen.height - 12) / nodes.length).toFixed(1)}" stroke="${COLORS[n] ?? '#777'}" stroke-width="3"><title>${esc(`${n} ${l.from} -> ${l.to} (${l.reason}) at ${rel(t)} s #${i + 1}`)}</title></line>`;
        }),
      ),
  });
  return timeFrame({
    t0: pic.t0,
    tEnd: pic.tEnd,
    title: pic.title,
    marks: pic.marks,
    rows,
    legend: [
      `vrrpd's /metrics on each node (${pic.instance}), scraped every 250 ms; a gap: the node did not answer (killed). Blue: op1, orange: op2.`,
      'State: node colour MASTER, light BACKUP, red FAULT. Check: green healthy, red failed. Adverts: received solid, sent dashed (rate over 2 s).',
    ],
  });
}
