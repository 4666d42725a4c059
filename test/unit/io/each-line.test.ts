/** eachLine (src/io/link-monitor.ts): the line reader of `ip -o monitor`, split at every boundary. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eachLine } from '../../../src/io/link-monitor.js';

/** Feeds `chunks` through eachLine and collects the lines once the stream has ended. */
async function linesOf(chunks: readonly (string | Buffer)[]): Promise<string[]> {
  const input = new PassThrough();
  const lines: string[] = [];
  eachLine(input, (l) => lines.push(l));
  const ended = new Promise((resolve) => input.on('end', resolve));
  for (const c of chunks) input.write(c);
  input.end();
  await ended;
  return lines;
}

describe('eachLine (the ip monitor reader)', () => {
  const text = '2: eth0: <BROADCAST,UP> mtu 1500 state UP\r\n3: eth1: <BROADCAST> state DOWN\n\n4: dummy0\n';
  const want = ['2: eth0: <BROADCAST,UP> mtu 1500 state UP', '3: eth1: <BROADCAST> state DOWN', '', '4: dummy0'];

  it('gives each line without its newline (CR LF too), empty lines included', async () => {
    expect(await linesOf([text])).toEqual(want);
  });

  it('gives the same lines wherever the input is split in two', async () => {
    for (let i = 0; i <= text.length; i++) expect(await linesOf([text.slice(0, i), text.slice(i)])).toEqual(want);
  });

  it('does not split a multi-byte character cut between two chunks', async () => {
    const bytes = Buffer.from('é-alias\nnext\n');
    expect(await linesOf([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual(['é-alias', 'next']);
  });

  it('gives a last line without a newline when the stream ends', async () => {
    expect(await linesOf(['a\nb'])).toEqual(['a', 'b']);
    expect(await linesOf([''])).toEqual([]);
  });
});
