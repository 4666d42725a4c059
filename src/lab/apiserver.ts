/**
 * A kube-apiserver stand-in for the lab: `node apiserver.js NAME [PORT]` listens on PORT (6443)
 * and answers each connection's first line with "ok NAME FROM\n", FROM being the address the
 * connection came from (the OP node whose nginx proxied it), then closes.
 */
import { createServer } from 'node:net';

const name = process.argv[2] ?? 'api';
const port = Number(process.argv[3] ?? 6443);

const server = createServer((conn) => {
  conn.setTimeout(5000, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  let seen = '';
  conn.on('data', (chunk: Buffer) => {
    seen += chunk.toString('latin1');
    if (!seen.includes('\n')) return;
    const from = (conn.remoteAddress ?? '?').replace(/^::ffff:/, '');
    conn.end(`ok ${name} ${from}\n`);
  });
});
server.on('error', (e) => {
  process.stderr.write(`apiserver ${name}: ${e.message}\n`);
  process.exit(1);
});
server.listen(port, '0.0.0.0', () => process.stdout.write(`apiserver ${name} listening on ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
