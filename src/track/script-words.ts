/**
 * How a script string becomes a process (keepalived.conf(5) "Quoted strings"):
 * words are separated by whitespace; `"` or `'` quote a stretch that may hold whitespace, and
 * quoted and unquoted stretches that touch make one word (`ab" c "d` is the single word `ab c d`).
 * If the first word is a path (contains `/`) to an executable file the words are run directly
 * (execve, no shell, as keepalived does); anything else is handed to `/bin/sh -c` as written.
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

/** What to exec: a file and its argv (without argv[0]). */
export interface ExecPlan {
  readonly mode: 'direct' | 'shell';
  readonly file: string;
  readonly args: readonly string[];
}

/** The shell used for anything that is not a direct executable path. */
export const SHELL = '/bin/sh';

/**
 * Decide how to run `command`. `directOk` says whether the first word is an executable file
 * (the caller checks the file system). `extraArgs` (the generic notify's four arguments) are
 * appended to the argv directly, or passed as the shell's positional parameters ("$@").
 */
export function planExec(
  command: string,
  words: readonly string[],
  directOk: boolean,
  extraArgs: readonly string[] = [],
): ExecPlan {
  const first = words[0];
  if (directOk && first !== undefined && first.includes('/')) {
    return { mode: 'direct', file: first, args: [...words.slice(1), ...extraArgs] };
  }
  if (extraArgs.length === 0) return { mode: 'shell', file: SHELL, args: ['-c', command] };
  return { mode: 'shell', file: SHELL, args: ['-c', `${command} "$@"`, 'sh', ...extraArgs] };
}
