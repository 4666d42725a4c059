/** How `vrrpd check` describes an instance's track_file and track_process references. */
import type { TrackFile, TrackProcess, TrackRef } from './types.js';

function fileWeightText(weight: number, reverse: boolean): string {
  if (weight === 0) return reverse ? 'weight 0 reverse: FAULT while the value is 0' : 'weight 0: FAULT while the value is not 0';
  const f = reverse ? -weight : weight;
  return `weight ${weight}${reverse ? ' reverse' : ''}: priority ${f < 0 ? '-' : '+'} value x ${Math.abs(f)} (at most +253; -254 or less: FAULT)`;
}

function quorumText(p: TrackProcess): string {
  if (p.quorumMax === 0) return 'none running';
  if (p.quorumMax === undefined) return `${p.quorum} or more running`;
  return p.quorum === p.quorumMax ? `exactly ${p.quorum} running` : `${p.quorum} to ${p.quorumMax} running`;
}

function processWeightText(weight: number, reverse: boolean): string {
  if (weight === 0) return reverse ? 'weight 0 reverse: FAULT while in quorum' : 'weight 0: FAULT without quorum';
  const when = weight < 0 ? 'without quorum' : 'in quorum';
  return `weight ${weight}${reverse ? ' reverse' : ''}: priority ${weight < 0 ? '' : '+'}${weight} ${when}`;
}

function matchText(p: TrackProcess): string {
  if (!p.fullCommand) return `process name (comm) '${p.process}'`;
  const params = p.params.length === 0 ? '' : ` ${p.params.map((x) => JSON.stringify(x)).join(' ')}`;
  const how = p.paramMatch === 'none' ? ', any parameters' : p.paramMatch === 'exact' ? (p.params.length === 0 ? ', no parameters' : ', exactly these parameters') : `, parameters: ${p.paramMatch} match`;
  return `command line '${p.process}'${params}${how}`;
}

export function trackFileText(ref: TrackRef, f: TrackFile | undefined): string {
  if (f === undefined) return 'unknown track_file';
  return `${f.path}, ${fileWeightText(ref.weight ?? f.weight, ref.reverse ?? f.reverse)}${f.init ? `; init_file ${f.init.value}${f.init.overwrite ? ' overwrite' : ''}` : ''}`;
}

export function trackProcessText(ref: TrackRef, p: TrackProcess | undefined): string {
  if (p === undefined) return 'unknown vrrp_track_process';
  const delays = p.forkDelayMs > 0 || p.terminateDelayMs > 0 ? `; fork_delay ${p.forkDelayMs / 1000} s, terminate_delay ${p.terminateDelayMs / 1000} s` : '';
  return `${matchText(p)}, quorum: ${quorumText(p)}, ${processWeightText(ref.weight ?? p.weight, ref.reverse ?? p.reverse)}${delays}`;
}
