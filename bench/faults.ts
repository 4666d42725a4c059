/**
 * `npm run bench:faults [-- --only ID,ID] [--quick]`: the fault matrix (bench/lib/faults/matrix.ts)
 * in namespaces, one lab per fault, and a table: fault, bound (RFC 3768 timers; the judge allows
 * it plus a margin), measured convergence, pass or fail with the violations. Prints the machine
 * and its load: timing from a shared busy machine is preliminary. VRRPD_FAULTS_DEBUG=1 prints
 * each judged window's adverts and address events (JSON, stderr).
 */
import { FAULTS, MARGIN_MS, runFault, type FaultOutcome } from './lib/faults/matrix.js';
import { busyLine, load1, machine, machineLine } from './lib/machine.js';
import { CLI } from './lib/paths.js';
import { ms, table } from './lib/stats.js';

function selected(argv: readonly string[]) {
  const i = argv.indexOf('--only');
  const only = i < 0 ? undefined : (argv[i + 1] ?? '').split(',');
  return FAULTS.filter((f) => (only === undefined || only.includes(f.id)) && (!argv.includes('--quick') || f.quick));
}

async function main(): Promise<void> {
  const m = machine();
  const loads = [load1()];
  const rows: string[][] = [['fault', 'bound ms', 'measured ms', 'result', 'detail']];
  let failed = 0;
  for (const fault of selected(process.argv.slice(2))) {
    let o: FaultOutcome | undefined;
    let error = '';
    try {
      o = await runFault(fault, CLI);
    } catch (e) {
      error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    }
    loads.push(load1());
    const ok = o?.verdict.ok === true;
    // A reference row (keepalived in vrrpd's place) records keepalived's behaviour: not our failure.
    if (!ok && fault.reference !== true) failed++;
    const detail = [o?.detail, ...(o?.verdict.violations ?? []), error].filter(Boolean).join('; ');
    const result = `${ok ? 'pass' : 'FAIL'}${fault.reference === true ? ' (reference)' : ''}`;
    rows.push([fault.id, o ? ms(o.boundMs, 0) : '-', o ? ms(o.verdict.convergenceMs, 0) : '-', result, detail]);
    console.log(`${fault.id}: ${ok ? 'pass' : 'FAIL'} ${detail}`);
  }
  console.log(`\n${machineLine(m)}\n${busyLine(loads, m.cores).line}\njudge margin: bound + ${MARGIN_MS} ms\n`);
  console.log(table(rows));
  for (const f of selected(process.argv.slice(2))) console.log(`  ${f.id}: ${f.bound}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
