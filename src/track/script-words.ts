/**
 * How a script string becomes a process (keepalived.conf(5) "Quoted strings"):
 * words are separated by whitespace; `"` or `'` quote a stretch that may hold whitespace, and
 * quoted and unquoted stretches that touch make one word (`ab" c "d` is the single word `ab c d`).
 * The first word is the program, the others its arguments: like keepalived (notify.c), vrrpd
 * execs it without a shell, so `|`, `&&`, `$VAR` or `> file` are passed to the program as
 * words. A shell line is written explicitly: `script "/bin/sh -c 'test -e /x && exit 0'"`.
 */
import { err, ok, type Result } from '../result.js';

export interface ScriptWordsError {
  readonly kind: 'unterminated-quote' | 'empty-script';
  readonly detail: string;
}

/** Split a script string into words, keepalived style. */
export function splitScriptWords(text: string): Result<string[], ScriptWordsError> {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) return err({ kind: 'unterminated-quote', detail: `missing closing ${quote} in: ${text}` });
  if (inWord) words.push(cur);
  if (words.length === 0) return err({ kind: 'empty-script', detail: 'script is empty' });
  return ok(words);
}

/** Shell syntax that a program run without a shell would receive as a plain word. */
const SHELL_SYNTAX: readonly (readonly [RegExp, string])[] = [
  [/^(\|\||&&|\||;|&)$/, 'a command separator'],
  [/^\d*(>>?|<)/, 'a redirection'],
  [/\$\(|`/, 'a command substitution'],
  [/\$(\{|[A-Za-z_])/, 'a variable'],
  [/[;|]$/, 'a command separator'],
];

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh']);

/** True for an explicit shell line: `/bin/sh -c '...'` (its words are the shell's business). */
export function isShellLine(words: readonly string[]): boolean {
  const program = (words[0] ?? '').split('/').pop() ?? '';
  return SHELLS.has(program) && words.slice(1).some((w) => /^-[a-z]*c[a-z]*$/.test(w));
}

/**
 * The first word that looks like shell syntax, with what it looks like; undefined when none does
 * or when the line is an explicit shell line.
 */
export function shellSyntaxIn(words: readonly string[]): { readonly word: string; readonly what: string } | undefined {
  if (isShellLine(words)) return undefined;
  for (const word of words) {
    for (const [re, what] of SHELL_SYNTAX) if (re.test(word)) return { word, what };
  }
  return undefined;
}

/** How to write `command` as an explicit shell line after `keyword` (for diagnostics). */
export function shellAdvice(keyword: string, command: string): string {
  const how = /['"\\]/.test(command)
    ? 'put the line in an executable file and name that file'
    : `write ${keyword} "/bin/sh -c '${command}'"`;
  return `vrrpd runs scripts without a shell, as keepalived does: to run a shell line, ${how}`;
}
