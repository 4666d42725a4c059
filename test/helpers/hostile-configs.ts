/**
 * Configs at vrrpd's loading limits (src/config/limits.ts), for the tests that show a load of
 * them is bounded and never stalls a running daemon.
 */
import { LOAD_LIMITS } from '../../src/config/limits.js';

/**
 * `base` followed by `virtual_server` blocks (keepalived's LVS side: vrrpd ignores them) up to
 * just under the inputBytes, lines and words limits: a valid config that makes the loader read,
 * lex and parse about as much as it ever will.
 */
export function nearInputLimit(base: string): string {
  const block = (i: number) =>
    `virtual_server 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} 6443 {\n  delay_loop 6\n  lb_algo rr\n  real_server 10.9.0.1 6443 {\n    weight 1\n  }\n}\n`;
  const parts = [base];
  let size = base.length;
  let lines = base.split('\n').length;
  let words = base.split(/\s+/).length;
  for (let i = 0; ; i++) {
    const b = block(i);
    size += b.length;
    lines += 7;
    words += 18;
    if (size > LOAD_LIMITS.inputBytes - 1024 || lines > LOAD_LIMITS.lines - 100 || words > LOAD_LIMITS.words - 100) break;
    parts.push(b);
  }
  return parts.join('');
}

/** Multi-line `$P` definitions that double per level: 2^levels lines once expanded (60 lines of text for 20 levels). */
export function doublingParameters(levels = 20): string {
  const lines = ['$P0= \\', 'global_defs { \\', '}'];
  for (let l = 1; l <= levels; l++) lines.push(`$P${l}= \\`, `$P${l - 1} \\`, `$P${l - 1}`);
  lines.push(`$P${levels}`);
  return `${lines.join('\n')}\n`;
}
