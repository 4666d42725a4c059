/**
 * The demo run as a picture (pure: data in, SVG text out): one row per OP node (per node and
 * family in dual stack) showing when it was MASTER (held the VIP), per VIP a row of the client's
 * probes (green got through, red failed) and a row of which node served them, and the scenarios
 * as labelled vertical lines. `timeFrame` is the frame every lab picture shares (title, rows,
 * time axis, scenario lines); metrics-svg.ts draws vrrpd's metrics in it.
 */
import { clientExperience, type Probe } from './analysis.js';

export interface RunPicture {
  readonly t0: number;
  readonly tEnd: number;
  /** Row name ("op1", or "op1 IPv6") -> MASTER intervals (epoch ms); the colour follows the node (first word). */
  readonly masters: Record<string, readonly (readonly [number, number])[]>;
  /** One client row pair per VIP probed: its label ("client -> 10.251.0.100:7443") and its probes. */
  readonly clients: readonly { readonly label: string; readonly probes: readonly Probe[] }[];
  /** Node address -> node name, for the "served by" row. */
  readonly names: Record<string, string>;
  readonly marks: readonly { readonly t: number; readonly label: string }[];
  readonly title: string;
}

const W = 1100;
const LEFT = 130;
const RIGHT = 20;
export const ROW = 34;
export const COLORS: Record<string, string> = { op1: '#3b7dd8', op2: '#e08a1e' };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What a row is drawn with: `x` maps epoch ms to the picture, `y` is the row's top. */
export interface RowPen {
  x(t: number): number;
  readonly y: number;
  readonly height: number;
  readonly left: number;
  readonly width: number;
}

export interface FrameRow {
  readonly label: string;
  /** Height in pixels (default ROW). */
  readonly height?: number;
  draw(pen: RowPen): string[];
}

export interface Frame {
  readonly t0: number;
  readonly tEnd: number;
  readonly title: string;
  readonly marks: readonly { readonly t: number; readonly label: string }[];
  /** Under the chart, one line each. */
  readonly legend: readonly string[];
  readonly rows: readonly FrameRow[];
}

/** A bar from `a` to `b` (epoch ms) filling the row's band, with a tooltip. */
export function bar(pen: RowPen, a: number, b: number, fill: string, title: string): string {
  return `<rect x="${pen.x(a).toFixed(1)}" y="${pen.y + 6}" width="${Math.max(1, pen.x(b) - pen.x(a)).toFixed(1)}" height="${pen.height - 12}" fill="${fill}"><title>${esc(title)}</title></rect>`;
}

/** The shared frame: title, one labelled grey band per row, the time axis, the scenario lines. */
export function timeFrame(f: Frame): string {
  const span = Math.max(1, f.tEnd - f.t0);
  const x = (t: number): number => LEFT + ((Math.min(Math.max(t, f.t0), f.tEnd) - f.t0) / span) * (W - LEFT - RIGHT);
  const top = 70;
  const bottom = top + f.rows.reduce((h, r) => h + (r.height ?? ROW), 0);
  const under = bottom + 42 + (f.legend.length - 1) * 15; // the last legend line
  const H = under + 24 + f.marks.length * 15;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${esc(f.title)}</text>`,
  ];
  let y = top;
  for (const r of f.rows) {
    const height = r.height ?? ROW;
    out.push(`<text x="10" y="${y + Math.min(21, height / 2 + 4)}">${esc(r.label)}</text>`, `<rect x="${LEFT}" y="${y + 6}" width="${W - LEFT - RIGHT}" height="${height - 12}" fill="#f2f2f2"/>`);
    out.push(...r.draw({ x, y, height, left: LEFT, width: W - LEFT - RIGHT }));
    y += height;
  }
  // Each scenario line carries its short id ("1a"); the full names are listed under the chart.
  for (const m of f.marks) {
    const mx = x(m.t).toFixed(1);
    out.push(`<line x1="${mx}" y1="${top - 6}" x2="${mx}" y2="${bottom}" stroke="#444" stroke-dasharray="3,3"/>`, `<text x="${mx}" y="${top - 10}" font-size="11" text-anchor="middle">${esc(m.label.split(' ')[0] ?? '')}</text>`);
  }
  const secs = Math.ceil(span / 1000);
  const step = secs > 60 ? 10 : 5;
  for (let s = 0; s <= secs; s += step) {
    const tx = x(f.t0 + s * 1000).toFixed(1);
    out.push(`<line x1="${tx}" y1="${bottom}" x2="${tx}" y2="${bottom + 5}" stroke="#000"/>`, `<text x="${tx}" y="${bottom + 18}" text-anchor="middle">${s} s</text>`);
  }
  f.legend.forEach((l, i) => out.push(`<text x="${LEFT}" y="${bottom + 42 + i * 15}" fill="#555">${esc(l)}</text>`));
  f.marks.forEach((m, i) => out.push(`<text x="${LEFT}" y="${under + 20 + i * 15}" font-size="11">${esc(m.label)}</text>`));
  out.push('</svg>', '');
  return out.join('\n');
}

/** Runs of equal `key` over consecutive probes: [start, end, key]. */
function runs(probes: readonly Probe[], key: (p: Probe) => string, end: number): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (const [i, p] of probes.entries()) {
    const k = key(p);
    const last = out.at(-1);
    const next = probes[i + 1]?.t ?? Math.min(end, p.t + 10);
    if (last && last[2] === k) last[1] = next;
    else out.push([p.t, next, k]);
  }
  return out;
}

export function renderSvg(pic: RunPicture): string {
  const rel = (t: number): string => ((t - pic.t0) / 1000).toFixed(2);
  const colour = (row: string): string => COLORS[row.split(' ')[0] ?? ''] ?? '#777';
  const masters: FrameRow[] = Object.keys(pic.masters).map((n) => ({
    label: `${n} MASTER`,
    draw: (pen: RowPen) => (pic.masters[n] ?? []).map(([a, b]) => bar(pen, a, b, colour(n), `${n} MASTER ${rel(a)}-${rel(b)} s`)),
  }));
  // The client rows show what the client learned and when (as the live timeline prints it).
  const clients = pic.clients.flatMap((c): FrameRow[] => {
    const seen = clientExperience(c.probes);
    return [
      {
        label: c.label,
        draw: (pen) => runs(seen, (p) => (p.ok ? 'ok' : 'fail'), pic.tEnd).map(([a, b, k]) => bar(pen, a, b, k === 'ok' ? '#2e9e44' : '#d62728', `${k} ${rel(a)}-${rel(b)} s`)),
      },
      {
        label: 'served by',
        draw: (pen) => runs(seen.filter((p) => p.ok), (p) => pic.names[p.via] ?? p.via, pic.tEnd).map(([a, b, k]) => bar(pen, a, b, COLORS[k] ?? '#777', `served by ${k}`)),
      },
    ];
  });
  return timeFrame({
    t0: pic.t0,
    tEnd: pic.tEnd,
    title: pic.title,
    marks: pic.marks,
    rows: [...masters, ...clients],
    legend: ["green: the client's probes to the VIP got answers; red: they failed (each drawn when its outcome came). Blue: op1, orange: op2."],
  });
}

/** A figure sampled over a run, one line per series (e.g. per node), in its own panel. */
export interface CurvePanel {
  readonly title: string;
  readonly unit: string;
  /** Series name -> [x, y] points (x in the chart's unit, e.g. minutes). */
  readonly series: Record<string, readonly (readonly [number, number])[]>;
  /** A horizontal limit line (a pass criterion), if any. */
  readonly limit?: { readonly y: number; readonly label: string };
}

const PANEL_H = 120;
const PANEL_GAP = 50;

/** Panels of curves over a shared x axis (pure: data in, SVG text out), in the demo picture's style. */
export function renderCurves(o: { readonly title: string; readonly xLabel: string; readonly panels: readonly CurvePanel[]; readonly notes?: readonly string[] }): string {
  const xs = o.panels.flatMap((p) => Object.values(p.series).flatMap((s) => s.map(([xv]) => xv)));
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(x0 + 1, ...xs);
  const x = (v: number): number => LEFT + ((v - x0) / (x1 - x0)) * (W - LEFT - RIGHT);
  const notes = o.notes ?? [];
  const H = 60 + o.panels.length * (PANEL_H + PANEL_GAP) + 20 + notes.length * 15;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  ];
  o.panels.forEach((p, i) => out.push(...panel(p, 60 + i * (PANEL_H + PANEL_GAP), x, x0, x1, o.xLabel)));
  const ny = 60 + o.panels.length * (PANEL_H + PANEL_GAP) + 10;
  notes.forEach((n, i) => out.push(`<text x="${LEFT}" y="${ny + i * 15}" font-size="11" fill="#555">${esc(n)}</text>`));
  out.push('</svg>', '');
  return out.join('\n');
}

function panel(p: CurvePanel, top: number, x: (v: number) => number, x0: number, x1: number, xLabel: string): string[] {
  const ys = Object.values(p.series).flatMap((s) => s.map(([, yv]) => yv)).filter(Number.isFinite);
  if (p.limit) ys.push(p.limit.y);
  const lo = Math.min(0, ...ys);
  const hi = Math.max(lo + 1e-9, ...ys) * 1.05;
  const y = (v: number): number => top + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
  const fmt = (v: number): string => (Math.abs(hi) >= 100 ? v.toFixed(0) : Math.abs(hi) >= 10 ? v.toFixed(1) : v.toFixed(2));
  const out = [
    `<text x="${LEFT}" y="${top - 6}"><tspan font-weight="bold">${esc(p.title)}</tspan><tspan fill="#555"> (${esc(p.unit)})</tspan></text>`,
    `<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL_H}" fill="#f2f2f2"/>`,
    `<text x="${LEFT - 6}" y="${top + 10}" text-anchor="end" font-size="11">${fmt(hi)}</text>`,
    `<text x="${LEFT - 6}" y="${top + PANEL_H}" text-anchor="end" font-size="11">${fmt(lo)}</text>`,
  ];
  if (p.limit) {
    const ly = y(p.limit.y).toFixed(1);
    out.push(`<line x1="${LEFT}" y1="${ly}" x2="${W - RIGHT}" y2="${ly}" stroke="#d62728" stroke-dasharray="4,3"/>`, `<text x="${W - RIGHT - 4}" y="${Number(ly) - 4}" text-anchor="end" font-size="11" fill="#d62728">${esc(p.limit.label)}</text>`);
  }
  Object.entries(p.series).forEach(([name, pts], i) => {
    const color = COLORS[name] ?? ['#3b7dd8', '#e08a1e', '#2e9e44', '#9467bd'][i % 4]!;
    const d = pts.filter(([, yv]) => Number.isFinite(yv)).map(([xv, yv]) => `${x(xv).toFixed(1)},${y(yv).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="1.5"><title>${esc(name)}</title></polyline>`, `<text x="${W - RIGHT - 8 - i * 60}" y="${top + 14}" text-anchor="end" fill="${color}">${esc(name)}</text>`);
  });
  const step = x1 - x0 > 30 ? 10 : x1 - x0 > 10 ? 2 : 1;
  for (let v = Math.ceil(x0 / step) * step; v <= x1; v += step) {
    const tx = x(v).toFixed(1);
    out.push(`<line x1="${tx}" y1="${top + PANEL_H}" x2="${tx}" y2="${top + PANEL_H + 4}" stroke="#000"/>`, `<text x="${tx}" y="${top + PANEL_H + 16}" text-anchor="middle" font-size="11">${v} ${esc(xLabel)}</text>`);
  }
  return out;
}
