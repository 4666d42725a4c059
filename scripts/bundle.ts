/**
 * Bundles what the `vrrpd` bin runs into dist/bundle/ (esbuild): the command line
 * (src/cli/main.ts -> vrrpd.js, its shebang and node flags kept) and the config loader's worker
 * thread (src/io/config-worker.ts -> config-worker.js, which config-loader.ts starts from beside
 * itself). Each command the CLI loads on demand (run, check, status, cleanup, lab) and the lazily
 * loaded part of the daemon (metrics) stays a chunk of its own, so the daemon loads 24 files
 * instead of ~200 modules, with less source to keep and less to compile (docs/performance.md, "The bundled daemon": -2 MB of RSS).
 *
 * The chunks sit in dist/bundle/ itself, two directories below the repository root as src/io/ is:
 * the native addon (native/packet/build, io/packet-addon.ts) is found from there the same way.
 * raw-socket, a native addon too, stays in node_modules. Whitespace and syntax are minified, not
 * names: a stack trace still names its functions and classes (renaming them too saved 0.1-0.3 MB
 * more). A linked source map lies beside each file, for `node --enable-source-maps` when
 * debugging; the bin does not enable it (+3.5 MB of RSS).
 *
 * The chunks are CommonJS: esbuild splits only ES modules, so a first pass writes ES-module chunks
 * (beside the output, in DIR-esm) and a second rewrites each as CommonJS (`import()` as
 * `require()`, `import.meta.url` from __filename), chaining the first pass's source maps, with a
 * package.json of "type": "commonjs" beside them. node then never loads its ES-module loader (nor
 * the fs/promises and readline modules behind it): -1.2 MB for an empty program with the bin's
 * flags (docs/performance.md, "CommonJS chunks, and no fs/promises, perf_hooks or tty at start").
 *
 * pino's own destinations are left out (PINO_UNUSED below): vrrpd hands pino its own stream
 * (src/daemon/log.ts, src/io/fd-sink.ts) and never calls pino.destination() or pino.transport(),
 * yet pino loads sonic-boom (and node:assert behind it), thread-stream and node:worker_threads
 * for them at start. In the bundle they are replaced by stubs that throw if ever used.
 *
 * usage: node dist/scripts/bundle.js [--outdir DIR] [--esm] [--minify-names] [--no-minify] [--no-sourcemap]
 * (the variants measured in docs/performance.md; a DIR elsewhere than two levels below the
 * repository root does not find the native addon)
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BUNDLE_MAIN, distFile, repoRoot } from '../src/lab/topology.js';

/**
 * What pino imports only for destinations vrrpd does not use, and the stub each becomes. pino's
 * tools.js reads `isMainThread` only to build a sonic-boom destination (docs/performance.md,
 * "Fewer built-in modules": node:assert, node:worker_threads and the two packages' code).
 */
const PINO_UNUSED: Readonly<Record<string, string>> = {
  'sonic-boom': "module.exports = class SonicBoom { constructor() { throw new Error('pino.destination() is not in the vrrpd bundle (vrrpd logs through its own stream)'); } };",
  'thread-stream': "module.exports = class ThreadStream { constructor() { throw new Error('pino.transport() is not in the vrrpd bundle'); } };",
  worker_threads: 'exports.isMainThread = true;',
};

/** Resolves PINO_UNUSED's names to their stubs when pino itself imports them. */
const pinoStubs: Plugin = {
  name: 'pino-stubs',
  setup(b) {
    b.onResolve({ filter: /^(sonic-boom|thread-stream|(node:)?worker_threads)$/ }, (a) =>
      /[/\\]node_modules[/\\]pino[/\\]/.test(a.importer) ? { path: a.path.replace(/^node:/, ''), namespace: 'pino-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'pino-stub' }, (a) => ({ contents: PINO_UNUSED[a.path]!, loader: 'js' }));
  },
};

/** `import.meta.url` in the CommonJS chunks: the file's own URL, from __filename (set once per chunk by COMMONJS_BANNER). */
const IMPORT_META_URL = '__vrrpdImportMetaUrl';
const COMMONJS_BANNER = `'use strict';const ${IMPORT_META_URL}=require('node:url').pathToFileURL(__filename).href;`;
/** Beside the CommonJS chunks: node reads them as CommonJS although the repository's package.json says "module". */
export const BUNDLE_PACKAGE_JSON = '{ "type": "commonjs" }\n';

/** What to build: main() below reads it from the command line; test/unit/bundle.test.ts builds into a scratch directory. */
export interface BundleOptions {
  readonly outdir: string;
  readonly minify?: boolean;
  readonly sourcemap?: boolean;
  /** ES-module chunks, as before the eighth session (only for comparing builds). */
  readonly esm?: boolean;
  readonly minifyNames?: boolean;
}

/** Builds the bundle into `o.outdir` (removed first); the number of .js files and their bytes. */
export async function bundle(o: BundleOptions): Promise<{ files: number; bytes: number }> {
  const root = repoRoot();
  const { outdir, esm = false } = o;
  const minify = o.minify ?? true;
  const sourcemap = o.sourcemap ?? true;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  // The first pass writes ES-module chunks (esbuild splits only ES modules); for CommonJS the second
  // pass rewrites them beside it, at the same depth, so the source maps' relative paths still hold.
  const firstDir = esm ? outdir : `${outdir.replace(/[/\\]+$/, '')}-esm`;
  rmSync(outdir, { recursive: true, force: true });
  rmSync(firstDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { [BUNDLE_MAIN.replace(/^.*\/|\.js$/g, '')]: 'src/cli/main.ts', 'config-worker': 'src/io/config-worker.ts' },
    outdir: firstDir,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['raw-socket'],
    // pino and its helpers are CommonJS: their require() of node's built-ins needs a real require
    // (CommonJS chunks have one of their own).
    ...(esm ? { banner: { js: "import { createRequire as __vrrpdCreateRequire } from 'node:module'; const require = __vrrpdCreateRequire(import.meta.url);" } } : {}),
    define: { __VRRPD_VERSION__: JSON.stringify(pkg.version) },
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: o.minifyNames ?? false,
    sourcemap: sourcemap ? 'linked' : false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [pinoStubs],
  });
  let outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
  if (!esm) {
    const second = await build({
      absWorkingDir: root,
      entryPoints: outputs.map(([f]) => f),
      outdir,
      outbase: firstDir,
      bundle: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // import() becomes require() (the ES-module loader is never loaded), import.meta.url this file's URL.
      supported: { 'dynamic-import': false },
      define: { 'import.meta.url': IMPORT_META_URL },
      banner: { js: COMMONJS_BANNER },
      minifyWhitespace: minify,
      minifySyntax: minify,
      sourcemap: sourcemap ? 'linked' : false,
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
    });
    rmSync(firstDir, { recursive: true, force: true });
    writeFileSync(join(outdir, 'package.json'), BUNDLE_PACKAGE_JSON);
    outputs = Object.entries(second.metafile.outputs).filter(([f]) => f.endsWith('.js'));
  }
  return { files: outputs.length, bytes: outputs.reduce((n, [, out]) => n + out.bytes, 0) };
}

async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--outdir');
  const outdir = at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : join(distFile(BUNDLE_MAIN), '..');
  const esm = argv.includes('--esm');
  const r = await bundle({ outdir, esm, minify: !argv.includes('--no-minify'), sourcemap: !argv.includes('--no-sourcemap'), minifyNames: argv.includes('--minify-names') });
  process.stdout.write(`bundle: ${r.files} files, ${(r.bytes / 1024).toFixed(0)} KiB in ${outdir} (${esm ? 'ES modules' : 'CommonJS'})\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`bundle: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
