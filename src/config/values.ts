/** Parsing of configuration values: numbers, booleans, IPv4 addresses, script command lines. */

/** A dotted-quad IPv4 address ("192.168.50.100"), or undefined. */
export function parseIpv4(text: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.join('.');
}

/** Looks like an IPv6 address (enough to say "IPv6 is not supported" rather than "not an address"). */
export function looksLikeIpv6(text: string): boolean {
  return /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*(\/\d+)?$/.test(text) && text.includes(':');
}

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
