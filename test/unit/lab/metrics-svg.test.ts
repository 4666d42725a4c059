/** The metrics picture's arithmetic (pure): state spans, rates over a window, counter increases, and the frame. */
import { describe, expect, it } from 'vitest';
import { increases, labelSpans, ratePoints, renderMetricsSvg } from '../../../src/lab/metrics-svg.js';
import { parsePromText, parseScrapeLog, type Scrape } from '../../../src/lab/prom-text.js';

const VI = 'vrrp_instance="VI_1",vrid="251",interface="eth0"';
/** A scrape at `t` of a node in `state` with `sent` adverts and `masters` transitions to MASTER. */
function scrape(t: number, state: string, sent: number, masters: number): Scrape {
  const lines = ['INIT', 'BACKUP', 'MASTER', 'FAULT'].map((s) => `vrrpd_instance_state{${VI},state="${s}"} ${s === state ? 1 : 0}`);
  lines.push(`vrrpd_advertise_sent_total{${VI}} ${sent}`, `vrrpd_instance_effective_priority{${VI}} 100`);
  if (masters > 0) lines.push(`vrrpd_transitions_total{${VI},from="BACKUP",to="MASTER",reason="master-down-timer"} ${masters}`);
  return { t, samples: parsePromText(lines.join('\n')) };
}

describe('metrics picture', () => {
  const run: Scrape[] = [scrape(0, 'BACKUP', 0, 0), scrape(250, 'BACKUP', 0, 0), scrape(500, 'MASTER', 1, 1), { t: 750, samples: [], error: 'ECONNREFUSED' }, scrape(1000, 'MASTER', 2, 1), scrape(1250, 'MASTER', 2, 1), scrape(3000, 'MASTER', 4, 1), scrape(3250, 'BACKUP', 0, 0)];

  it('state spans run from scrape to scrape; a node that does not answer leaves a gap', () => {
    expect(labelSpans(run, 'vrrpd_instance_state', { vrrp_instance: 'VI_1' }, 'state')).toEqual([
      [0, 500, 'BACKUP'],
      [500, 750, 'MASTER'],
      [1000, 3250, 'MASTER'],
    ]);
  });

  it('rates over a 2 s window, a counter reset (restart) starting afresh', () => {
    expect(ratePoints(run, 'vrrpd_advertise_sent_total', { vrrp_instance: 'VI_1' })).toEqual([
      [250, 0],
      [500, 2],
      [1000, 2],
      [1250, 1.6],
      [3000, 1], // from 1000 (2 s back): 2 adverts in 2 s
    ]);
  });

  it('transition ticks: each increase between answered scrapes, with its labels', () => {
    const ticks = increases(run, 'vrrpd_transitions_total', { vrrp_instance: 'VI_1' });
    expect(ticks.map(([t, l]) => [t, l.to, l.reason])).toEqual([[500, 'MASTER', 'master-down-timer']]);
  });

  it('draws in the demo frame: one row per node state and check, priority, adverts, transitions', () => {
    const svg = renderMetricsSvg({ t0: 0, tEnd: 3500, scrapes: { op1: run }, instance: 'VI_1', marks: [{ t: 600, label: '2a power cut' }], title: 't' });
    for (const row of ['op1 state', 'op1 check', 'priority', 'adverts / s', 'transitions', '2a power cut']) expect(svg).toContain(`>${row}</text>`);
    expect(svg).toContain('op1 BACKUP -&gt; MASTER (master-down-timer)');
    expect(parseScrapeLog(`${JSON.stringify({ t: 5, samples: [['vrrpd_x', { a: 'b' }, 1]] })}\nnot json\n`)).toEqual([{ t: 5, samples: [{ name: 'vrrpd_x', labels: { a: 'b' }, value: 1 }] }]);
  });
});
