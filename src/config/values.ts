/**
 * Parsing of configuration values: numbers, booleans, and the names `ip addr` takes (interface
 * names, address labels, scopes). Addresses are parsed by src/wire/address.ts. io/validate.ts uses
 * these same checks before any value reaches a command line, so what `vrrpd check` accepts, `run`
 * can apply.
 */

/** A decimal integer ("-20", "+3", "251"), or undefined. */
export function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** A decimal number of seconds ("1", "0.5", "2.71828"), or undefined. */
export function parseDecimal(text: string): number | undefined {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : undefined;
}

/** keepalived's <BOOL>: on|off|true|false|yes|no. */
export function parseBool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (t === 'on' || t === 'true' || t === 'yes') return true;
  if (t === 'off' || t === 'false' || t === 'no') return false;
  return undefined;
}

/** Seconds (possibly fractional) to whole milliseconds. */
export function secondsToMs(s: number): number {
  return Math.round(s * 1000);
}

/** Linux interface names: 1..15 bytes (IFNAMSIZ - 1), no '/', no whitespace, not starting with '-'. */
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** Address labels (IFA_LABEL): at most 15 characters (the kernel refuses more); ':' for "eth0:1" aliases. */
const LABEL = /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]{0,14}$/;

/** True when `name` is a valid Linux interface name that is safe on a command line. */
export function isValidIfname(name: string): boolean {
  return IFNAME.test(name) && name !== '.' && name !== '..';
}

/** Why the kernel or `ip addr` would refuse an address label (IFA_LABEL), or undefined. */
export function labelProblem(label: string): string | undefined {
  if (label.length > 15) return `label '${label}' is longer than 15 characters (the kernel refuses it)`;
  if (!LABEL.test(label)) return `label '${label}' must be letters, digits and '_', '.', ':', '@', '+', '-' (not starting with one of the last five)`;
  return undefined;
}

/** Address scopes `ip addr` accepts by name. */
export const SCOPE_NAMES = ['global', 'site', 'link', 'host', 'nowhere'] as const;

/** A scope name or a number 0..255 (decimal, as `ip addr` takes it), canonical; undefined when invalid. */
export function parseScope(text: string): string | undefined {
  if ((SCOPE_NAMES as readonly string[]).includes(text)) return text;
  if (/^(0|[1-9][0-9]{0,2})$/.test(text) && Number(text) <= 255) return text;
  return undefined;
}
