/** Transcript lines of a simulation: what happened, when, where. */

export interface TranscriptEntry {
  /** Virtual time in ms. */
  readonly t: number;
  /** Router name, or '*' for the LAN itself. */
  readonly node: string;
  /** state | advert | vips | garp | drop | notice | priority | killed | unplugged | plugged | partition | heal */
  readonly event: string;
  readonly detail: string;
}

/** "  3648.438 op2    state    BACKUP -> MASTER (...)": fixed columns, time with 3 decimals. */
export function formatEntry(e: TranscriptEntry): string {
  return `${e.t.toFixed(3).padStart(10)} ${e.node.padEnd(6)} ${e.event.padEnd(9)} ${e.detail}`;
}
