/** vrrp_track_process's pure half at explicit times: matching (keepalived's check_params), quorum, fork_delay / terminate_delay. */
import { describe, expect, it } from 'vitest';
import { processMatches, type ProcessSpec } from '../../../src/track/process-match.js';
import { ProcessTable, type TrackedProcessSpec } from '../../../src/track/process-tracker.js';

const spec = (s: Partial<ProcessSpec>): ProcessSpec => ({ process: 'nginx', params: [], paramMatch: 'none', fullCommand: false, ...s });
const m = (s: Partial<ProcessSpec>, comm: string, argv?: string[]) => processMatches(spec(s), argv ? { comm, argv } : { comm });

describe('processMatches (keepalived track_process.c)', () => {
  it('the process name (comm) exactly, not a pattern', () => {
    expect(m({}, 'nginx')).toBe(true);
    expect(m({}, 'nginx2')).toBe(false);
    expect(m({}, 'ngin')).toBe(false);
    expect(m({ process: 'ssh' }, 'sshd')).toBe(false);
  });
  it('full_command: argv[0] exactly, parameters not looked at; a kernel thread (empty command line) never', () => {
    expect(m({ process: '/usr/sbin/nginx', fullCommand: true }, 'nginx', ['/usr/sbin/nginx', '-g', 'daemon off;'])).toBe(true);
    expect(m({ process: '/usr/sbin/nginx', fullCommand: true }, 'nginx', ['nginx'])).toBe(false);
    expect(m({ process: 'kthreadd', fullCommand: true }, 'kthreadd', [])).toBe(false);
    expect(m({ process: 'nginx', fullCommand: true }, 'nginx')).toBe(false);
  });
  it('exact: the same parameters, no more, no fewer; param_match alone: no parameters at all', () => {
    const s = { process: 'python3', params: ['/opt/app.py', '-v'], paramMatch: 'exact' as const, fullCommand: true };
    expect(m(s, 'python3', ['python3', '/opt/app.py', '-v'])).toBe(true);
    expect(m(s, 'python3', ['python3', '/opt/app.py', '-v', '-x'])).toBe(false);
    expect(m(s, 'python3', ['python3', '/opt/app.py'])).toBe(false);
    expect(m(s, 'python3', ['python3', '/opt/app.py', '-vv'])).toBe(false);
    const none = { process: 'sshd', paramMatch: 'exact' as const, fullCommand: true };
    expect(m(none, 'sshd', ['sshd'])).toBe(true);
    expect(m(none, 'sshd', ['sshd', '-D'])).toBe(false);
  });
  it('partial: the first ones, more may follow', () => {
    const s = { process: 'java', params: ['-jar', 'app.jar'], paramMatch: 'partial' as const, fullCommand: true };
    expect(m(s, 'java', ['java', '-jar', 'app.jar'])).toBe(true);
    expect(m(s, 'java', ['java', '-jar', 'app.jar', '--port', '80'])).toBe(true);
    expect(m(s, 'java', ['java', '-jar', 'app.jar2'])).toBe(false);
    expect(m(s, 'java', ['java', '-jar'])).toBe(false);
  });
  it('initial: the last configured parameter need only begin the process one', () => {
    const s = { process: 'java', params: ['-jar', 'app'], paramMatch: 'initial' as const, fullCommand: true };
    expect(m(s, 'java', ['java', '-jar', 'app-1.2.jar'])).toBe(true);
    expect(m(s, 'java', ['java', '-jar', 'app', 'x'])).toBe(true);
    expect(m(s, 'java', ['java', '-ja', 'app'])).toBe(false);
    expect(m(s, 'java', ['java', '-jar'])).toBe(false);
    expect(m(s, 'java', ['java', '-jar', 'ap'])).toBe(false);
  });
});

const P = (s: Partial<TrackedProcessSpec> = {}): TrackedProcessSpec => ({ name: 'p', ...spec({}), quorum: 1, forkDelayMs: 0, terminateDelayMs: 0, ...s });
const nginx = (pid: number, ppid = 1) => ({ pid, ppid, view: { comm: 'nginx' } });
const other = (pid: number, ppid = 1, comm = 'bash') => ({ pid, ppid, view: { comm } });

describe('ProcessTable: quorum', () => {
  it('the first picture sets the quorum without a report; an exit then a new process report at once', () => {
    const t = new ProcessTable([P()]);
    expect(t.picture([nginx(10), other(11)], 0)).toEqual([]);
    expect(t.state('p')).toEqual({ count: 1, inQuorum: true, pending: false });
    expect(t.exit(10, 5)).toEqual([{ name: 'p', inQuorum: false, count: 0 }]);
    expect(t.exit(10, 6)).toEqual([]);
    expect(t.judge(12, { comm: 'nginx' }, 7)).toEqual([{ name: 'p', inQuorum: true, count: 1 }]);
    expect(t.counted()).toEqual([12]);
  });
  it('a fork counts the child without reading it; its exec into something else uncounts it', () => {
    const t = new ProcessTable([P({ quorumMax: 1 })]);
    t.picture([nginx(10)], 0);
    expect(t.fork(10, 20, 1)).toEqual([{ name: 'p', inQuorum: false, count: 2 }]);
    expect(t.judge(20, { comm: 'sh' }, 2)).toEqual([{ name: 'p', inQuorum: true, count: 1 }]);
    expect(t.fork(99, 21, 3)).toEqual([]); // not a counted parent
  });
  it('quorum 2..3: in between only', () => {
    const t = new ProcessTable([P({ quorum: 2, quorumMax: 3 })]);
    t.picture([nginx(1)], 0);
    expect(t.state('p')!.inQuorum).toBe(false);
    expect(t.judge(2, { comm: 'nginx' }, 1)).toEqual([{ name: 'p', inQuorum: true, count: 2 }]);
    expect(t.judge(3, { comm: 'nginx' }, 1)).toEqual([]);
    expect(t.judge(4, { comm: 'nginx' }, 1)).toEqual([{ name: 'p', inQuorum: false, count: 4 }]);
  });
  it('quorum_max 0 (quorum 0): in quorum only while none runs', () => {
    const t = new ProcessTable([P({ quorum: 0, quorumMax: 0 })]);
    t.picture([], 0);
    expect(t.state('p')!.inQuorum).toBe(true);
    expect(t.judge(5, { comm: 'nginx' }, 1)).toEqual([{ name: 'p', inQuorum: false, count: 1 }]);
  });
  it('a comm change judges only name trackers; a full_command tracker keeps its count', () => {
    const t = new ProcessTable([P(), P({ name: 'f', process: '/bin/nginx', fullCommand: true })]);
    t.picture([{ pid: 7, ppid: 1, view: { comm: 'nginx', argv: ['/bin/nginx'] } }], 0);
    expect(t.judge(7, { comm: 'worker' }, 1, true)).toEqual([{ name: 'p', inQuorum: false, count: 0 }]);
    expect(t.state('f')).toMatchObject({ count: 1, inQuorum: true });
  });
});

describe('ProcessTable: terminate_delay and fork_delay', () => {
  it('an exit out of quorum is reported after terminate_delay, with the count then', () => {
    const t = new ProcessTable([P({ terminateDelayMs: 500 })]);
    t.picture([nginx(10)], 0);
    expect(t.exit(10, 1000)).toEqual([]);
    expect(t.nextDeadline()).toBe(1500);
    expect(t.state('p')).toEqual({ count: 0, inQuorum: true, pending: true });
    expect(t.tick(1499)).toEqual([]);
    expect(t.tick(1500)).toEqual([{ name: 'p', inQuorum: false, count: 0 }]);
    expect(t.nextDeadline()).toBeUndefined();
  });
  it('a restart within terminate_delay is never seen', () => {
    const t = new ProcessTable([P({ terminateDelayMs: 500 })]);
    t.picture([nginx(10)], 0);
    t.exit(10, 1000);
    expect(t.judge(11, { comm: 'nginx' }, 1200)).toEqual([]);
    expect(t.nextDeadline()).toBeUndefined();
    expect(t.tick(1500)).toEqual([]);
    expect(t.state('p')).toEqual({ count: 1, inQuorum: true, pending: false });
  });
  it('a quorum gained by a fork waits fork_delay; gained by an exec it counts at once; a loss by exec is at once', () => {
    const t = new ProcessTable([P({ quorum: 2, forkDelayMs: 300 })]);
    t.picture([nginx(10)], 0);
    expect(t.fork(10, 11, 100)).toEqual([]);
    expect(t.tick(399)).toEqual([]);
    expect(t.tick(400)).toEqual([{ name: 'p', inQuorum: true, count: 2 }]);
    expect(t.judge(11, { comm: 'sh' }, 500)).toEqual([{ name: 'p', inQuorum: false, count: 1 }]);
    expect(t.judge(12, { comm: 'nginx' }, 600)).toEqual([{ name: 'p', inQuorum: true, count: 2 }]);
  });
  it('a fork that execs something else within fork_delay is never counted (the reason for fork_delay)', () => {
    const t = new ProcessTable([P({ quorumMax: 1, forkDelayMs: 300 })]);
    t.picture([nginx(10)], 0);
    expect(t.fork(10, 11, 100)).toEqual([]);
    expect(t.judge(11, { comm: 'logrotate' }, 105)).toEqual([]);
    expect(t.tick(400)).toEqual([]);
    expect(t.state('p')).toEqual({ count: 1, inQuorum: true, pending: false });
  });
});

describe('ProcessTable: a full picture after the first (a poll, or a rescan after lost events)', () => {
  it('vanished processes are exits (terminate_delay), new ones with a counted parent are forks (fork_delay), others at once', () => {
    const t = new ProcessTable([P({ quorum: 2, terminateDelayMs: 200, forkDelayMs: 100 })]);
    t.picture([nginx(1), nginx(2)], 0);
    expect(t.picture([nginx(1)], 1000)).toEqual([]);
    expect(t.tick(1200)).toEqual([{ name: 'p', inQuorum: false, count: 1 }]);
    expect(t.picture([nginx(1), nginx(3, 1)], 2000)).toEqual([]);
    expect(t.tick(2100)).toEqual([{ name: 'p', inQuorum: true, count: 2 }]);
    expect(t.picture([nginx(1), other(3, 1, 'sh'), nginx(4, 77)], 3000)).toEqual([]);
    expect(t.state('p')).toMatchObject({ count: 2, inQuorum: true });
    expect(t.picture([other(1, 1, 'sh'), other(4)], 4000)).toEqual([{ name: 'p', inQuorum: false, count: 0 }]);
  });
});
