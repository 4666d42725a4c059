/**
 * The demo run as a picture (pure: data in, SVG text out): one row per OP node (per node and
 * family in dual stack) showing when it was MASTER (held the VIP), per VIP a row of the client's
 * probes (green got through, red failed) and a row of which node served them, and the scenarios
 * as labelled vertical lines.
 */
import type { Probe } from './analysis.js';

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
const ROW = 34;
const COLORS: Record<string, string> = { op1: '#3b7dd8', op2: '#e08a1e' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
  const span = Math.max(1, pic.tEnd - pic.t0);
  const x = (t: number): number => LEFT + ((Math.min(Math.max(t, pic.t0), pic.tEnd) - pic.t0) / span) * (W - LEFT - RIGHT);
  const nodes = Object.keys(pic.masters);
  const colour = (row: string): string => COLORS[row.split(' ')[0] ?? ''] ?? '#777';
  const rows = [...nodes.map((n) => `${n} MASTER`), ...pic.clients.flatMap((c) => [c.label, 'served by'])];
  const top = 70;
  const H = top + rows.length * ROW + 66 + pic.marks.length * 15;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${esc(pic.title)}</text>`,
  ];
  rows.forEach((r, i) => out.push(`<text x="10" y="${top + i * ROW + 21}">${esc(r)}</text>`, `<rect x="${LEFT}" y="${top + i * ROW + 6}" width="${W - LEFT - RIGHT}" height="${ROW - 12}" fill="#f2f2f2"/>`));
  nodes.forEach((n, i) => {
    for (const [a, b] of pic.masters[n] ?? []) {
      out.push(`<rect x="${x(a).toFixed(1)}" y="${top + i * ROW + 6}" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="${ROW - 12}" fill="${colour(n)}"><title>${esc(n)} MASTER ${((a - pic.t0) / 1000).toFixed(2)}-${((b - pic.t0) / 1000).toFixed(2)} s</title></rect>`);
    }
  });
  pic.clients.forEach((c, k) => {
    const cy = top + (nodes.length + 2 * k) * ROW;
    for (const [a, b, ok] of runs(c.probes, (p) => (p.ok ? 'ok' : 'fail'), pic.tEnd)) {
      out.push(`<rect x="${x(a).toFixed(1)}" y="${cy + 6}" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="${ROW - 12}" fill="${ok === 'ok' ? '#2e9e44' : '#d62728'}"><title>${ok} ${((a - pic.t0) / 1000).toFixed(3)}-${((b - pic.t0) / 1000).toFixed(3)} s</title></rect>`);
    }
    for (const [a, b, k2] of runs(c.probes.filter((p) => p.ok), (p) => pic.names[p.via] ?? p.via, pic.tEnd)) {
      out.push(`<rect x="${x(a).toFixed(1)}" y="${cy + ROW + 6}" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="${ROW - 12}" fill="${COLORS[k2] ?? '#777'}"><title>served by ${esc(k2)}</title></rect>`);
    }
  });
  const bottom = top + rows.length * ROW;
  // Each scenario line carries its short id ("1a"); the full names are listed under the chart.
  pic.marks.forEach((m) => {
    const mx = x(m.t).toFixed(1);
    const id = m.label.split(' ')[0] ?? '';
    out.push(`<line x1="${mx}" y1="${top - 6}" x2="${mx}" y2="${bottom}" stroke="#444" stroke-dasharray="3,3"/>`, `<text x="${mx}" y="${top - 10}" font-size="11" text-anchor="middle">${esc(id)}</text>`);
  });
  const secs = Math.ceil(span / 1000);
  const step = secs > 60 ? 10 : 5;
  for (let s = 0; s <= secs; s += step) {
    const tx = x(pic.t0 + s * 1000).toFixed(1);
    out.push(`<line x1="${tx}" y1="${bottom}" x2="${tx}" y2="${bottom + 5}" stroke="#000"/>`, `<text x="${tx}" y="${bottom + 18}" text-anchor="middle">${s} s</text>`);
  }
  out.push(`<text x="${LEFT}" y="${bottom + 42}" fill="#555">green: probe to the VIP got an answer; red: it failed. Blue: op1, orange: op2.</text>`);
  pic.marks.forEach((m, i) => out.push(`<text x="${LEFT}" y="${bottom + 62 + i * 15}" font-size="11">${esc(m.label)}</text>`));
  out.push('</svg>', '');
  return out.join('\n');
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
