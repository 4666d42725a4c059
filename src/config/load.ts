/** loadConfig: entry file -> preprocess -> parse -> validate, with every diagnostic on the way. */
import { Diagnostics } from './diagnostics.js';
import { parse } from './parser.js';
import { preprocess } from './preprocess.js';
import type { LoadOptions, LoadResult, SourceHost } from './types.js';
import { validate } from './validate.js';

/**
 * Reads and validates a keepalived.conf. `config` is undefined when any diagnostic is an error.
 * Never throws on bad input: every problem is a positioned diagnostic.
 */
export function loadConfig(entryPath: string, host: SourceHost, options: LoadOptions = {}): LoadResult {
  const diags = new Diagnostics();
  const configId = options.configId ?? host.hostname;
  const pre = preprocess(entryPath, host, configId, diags);
  const stmts = parse(pre.lines, diags);
  const config = validate(stmts, pre.files, configId, host, diags);
  const order = (f: string): number => {
    const i = pre.files.indexOf(f);
    return i < 0 ? pre.files.length : i;
  };
  const sorted = diags.list
    .map((d, i) => ({ d, i }))
    .sort((x, y) => order(x.d.file) - order(y.d.file) || x.d.line - y.d.line || x.d.col - y.d.col || x.i - y.i)
    .map((e) => e.d);
  return { config: diags.hasErrors ? undefined : config, diagnostics: sorted, files: pre.files };
}
