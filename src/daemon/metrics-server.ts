/**
 * The HTTP endpoint for Prometheus: `GET /metrics` on exactly the address configured. It shares
 * the event loop with the VRRP timers, so it is built to cost little and to shed abuse:
 *   - at most `maxConnections` sockets (more are closed at once), idle sockets closed after
 *     `idleMs`, headers due within `headersMs`, a whole request within `requestMs`, small headers;
 *   - at most `perSecond` answers a second (a burst of `burst`): requests beyond wait their turn on
 *     their connection, so a client scraping in a loop is slowed to that pace instead of taking
 *     the CPU the VRRP timers need;
 *   - one render at a time, and none more often than every `minRenderMs`: concurrent or rapid
 *     scrapes share the last text (a render is a few ms of CPU, yielding between metrics);
 *   - only GET/HEAD of /metrics (and / with a pointer); everything else is 404 or 405.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import { background, describeError } from '../background.js';
import { err, ok, type Result } from '../result.js';
import { RateLimiter, type Logger } from './log.js';

export interface MetricsServerOptions {
  readonly listen: ListenAddress;
  /** The exposition text of one scrape. */
  readonly render: () => Promise<string>;
  readonly contentType: string;
  readonly log: Logger;
  readonly maxConnections?: number;
  readonly minRenderMs?: number;
  readonly perSecond?: number;
  readonly burst?: number;
  readonly idleMs?: number;
  readonly headersMs?: number;
  readonly requestMs?: number;
  /** For tests: monotonic ms. */
  readonly now?: () => number;
}

export interface MetricsServer {
  /** `ADDR:PORT` as bound (the port is the real one when 0 was asked). */
  readonly address: string;
  /** How many renders ran (the rest of the scrapes were served the last text). */
  readonly renders: number;
  close(): Promise<void>;
}

const DEFAULTS = { maxConnections: 16, minRenderMs: 250, perSecond: 10, burst: 5, idleMs: 10_000, headersMs: 5_000, requestMs: 10_000 };

/** Start serving; an error (address in use, not local...) leaves nothing listening. */
export async function serveMetrics(opts: MetricsServerOptions): Promise<Result<MetricsServer, string>> {
  const o = { ...DEFAULTS, ...opts };
  const now = opts.now ?? (() => performance.now());
  const cache = new RenderCache(o.render, o.minRenderMs, now);
  const pace = new Pacer(o.perSecond, o.burst, now);
  const errors = new RateLimiter();
  const failed = (e: unknown): void => {
    const gate = errors.check('render', now());
    if (gate.log) o.log.error({ err: describeError(e), suppressed: gate.suppressed }, 'metrics: scrape failed');
  };
  const server = createServer(
    { headersTimeout: o.headersMs, requestTimeout: o.requestMs, keepAliveTimeout: 5_000, connectionsCheckingInterval: 500, maxHeaderSize: 8192 },
    (req, res) => background(handle(req, res, pace, cache, o.contentType, failed), failed),
  );
  server.maxConnections = o.maxConnections;
  server.maxRequestsPerSocket = 1000;
  server.setTimeout(o.idleMs); // no 'timeout' listener: an idle socket is destroyed
  const bound = await listen(server, opts.listen);
  if (!bound.ok) return bound;
  return ok({
    address: bound.value,
    get renders() {
      return cache.renders;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

function listen(server: Server, at: ListenAddress): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    const onError = (e: NodeJS.ErrnoException): void => resolve(err(`cannot listen on ${formatListenAddress(at)}: ${e.code ?? e.message}`));
    server.once('error', onError);
    server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(ok(typeof a === 'object' && a !== null ? formatListenAddress({ host: at.host, port: a.port }) : formatListenAddress(at)));
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, pace: Pacer, cache: RenderCache, contentType: string, onError: (e: unknown) => void): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  await pace.turn();
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD', Connection: 'close' });
  if (path === '/') return reply(res, 200, 'vrrpd: metrics at /metrics\n');
  if (path !== '/metrics') return reply(res, 404, 'not found: metrics at /metrics\n');
  try {
    const body = await cache.get();
    reply(res, 200, req.method === 'HEAD' ? '' : body, { 'Content-Type': contentType }, Buffer.byteLength(body));
  } catch (e) {
    onError(e);
    reply(res, 500, 'metrics unavailable\n');
  }
}

function reply(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}, length = Buffer.byteLength(body)): void {
  if (res.destroyed) return;
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(length), ...headers });
  res.end(body);
}

/** Answers at `perSecond`, a burst of `burst` allowed, in arrival order (GCRA: a virtual schedule). */
class Pacer {
  #tat = -Infinity;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  turn(): Promise<void> {
    const interval = 1000 / this.perSecond;
    const t = this.now();
    const tat = Math.max(this.#tat, t);
    this.#tat = tat + interval;
    const wait = tat - t - (this.burst - 1) * interval;
    return wait <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, wait).unref());
  }
}

/** One render in flight at most, and the last text reused for `minMs`. */
class RenderCache {
  renders = 0;
  #last: { at: number; text: string } | undefined;
  #inflight: Promise<string> | undefined;

  constructor(
    private readonly render: () => Promise<string>,
    private readonly minMs: number,
    private readonly now: () => number,
  ) {}

  get(): Promise<string> {
    if (this.#last && this.now() - this.#last.at < this.minMs) return Promise.resolve(this.#last.text);
    this.#inflight ??= this.#run();
    return this.#inflight;
  }

  async #run(): Promise<string> {
    try {
      this.renders++;
      const text = await this.render();
      this.#last = { at: this.now(), text };
      return text;
    } finally {
      this.#inflight = undefined;
    }
  }
}
