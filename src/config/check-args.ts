/** Argument checks shared by the section validators; each reports at the offending token. */
import type { Diagnostics } from './diagnostics.js';
import type { SourcePos, Stmt, Token } from './types.js';
import { parseIpAddress, type IpAddress, type Ipv4Address } from '../wire/address.js';
import { parseDecimal, parseInteger } from './values.js';

export function pos(t: SourcePos): SourcePos {
  return { file: t.file, line: t.line, col: t.col };
}

export class ArgChecker {
  constructor(readonly diags: Diagnostics) {}

  /** The statement's first argument, reporting "needs a value" when missing and extras as ignored. */
  one(stmt: Stmt, what = 'a value'): Token | undefined {
    this.noBlock(stmt);
    const first = stmt.args[0];
    if (first === undefined) {
      this.diags.error(stmt.keyword, `'${stmt.keyword.text}' needs ${what}`);
      return undefined;
    }
    this.extra(stmt, 1);
    return first;
  }

  /** Warns about arguments from index `from` on. */
  extra(stmt: Stmt, from: number): void {
    const t = stmt.args[from];
    if (t !== undefined) this.diags.warning(t, `extra argument '${t.text}' after '${stmt.keyword.text}' ignored`);
  }

  /** A flag keyword: no arguments expected. */
  flag(stmt: Stmt): void {
    this.noBlock(stmt);
    this.extra(stmt, 0);
  }

  noBlock(stmt: Stmt): void {
    if (stmt.open !== undefined) this.diags.error(stmt.open, `'${stmt.keyword.text}' does not take a { } block`);
  }

  /** The block of a block keyword, or undefined (with an error) when it has none. */
  block(stmt: Stmt): readonly Stmt[] | undefined {
    if (stmt.block === undefined) {
      this.diags.error(stmt.keyword, `'${stmt.keyword.text}' needs a { } block`);
      return undefined;
    }
    return stmt.block;
  }

  /** An integer within [min, max]. */
  int(t: Token, name: string, min: number, max: number): number | undefined {
    const n = parseInteger(t.text);
    if (n === undefined || n < min || n > max) {
      this.diags.error(t, `${name} must be an integer from ${min} to ${max}, not '${t.text}'`);
      return undefined;
    }
    return n;
  }

  /** A number of seconds (fractions allowed) within [min, max]. */
  seconds(t: Token, name: string, min: number, max: number): number | undefined {
    const n = parseDecimal(t.text);
    if (n === undefined || n < min || n > max) {
      this.diags.error(t, `${name} must be a number of seconds from ${min} to ${max}, not '${t.text}'`);
      return undefined;
    }
    return n;
  }

  /** An IPv4 address (the one address parser, src/wire/address.ts). */
  ipv4(t: Token, name: string): Ipv4Address | undefined {
    const ip = parseIpAddress(t.text, 'ipv4');
    if (!ip.ok) this.diags.error(t, `${name} must be an IPv4 address, not '${t.text}'`);
    return ip.ok ? ip.value : undefined;
  }

  /** An address of either family. */
  ip(t: Token, name: string): IpAddress | undefined {
    const ip = parseIpAddress(t.text);
    if (!ip.ok) this.diags.error(t, `${name} must be an IP address, not '${t.text}'`);
    return ip.ok ? ip.value : undefined;
  }

  /** The rest of the arguments joined by spaces (notify scripts, script lines). */
  joined(stmt: Stmt): string | undefined {
    this.noBlock(stmt);
    if (stmt.args.length === 0) {
      this.diags.error(stmt.keyword, `'${stmt.keyword.text}' needs a value`);
      return undefined;
    }
    return stmt.args.map((a) => a.text).join(' ');
  }
}

/** Keeps the first position of each scalar keyword and warns when one is set again. */
export class RepeatGuard {
  private readonly seen = new Map<string, SourcePos>();
  constructor(private readonly diags: Diagnostics) {}

  check(stmt: Stmt): void {
    const k = stmt.keyword.text;
    const prev = this.seen.get(k);
    if (prev !== undefined)
      this.diags.warning(stmt.keyword, `'${k}' is set again (first at line ${prev.line}); the last value wins`);
    else this.seen.set(k, pos(stmt.keyword));
  }
}
