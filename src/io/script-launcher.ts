/**
 * How a script's process is started so that it holds no capability and runs as its user:
 * through util-linux's `setpriv`, which clears the inheritable and ambient sets (and the bounding
 * set when it may), switches uid/gid/groups, then execs the script. vrrpd itself keeps
 * CAP_NET_RAW and CAP_NET_ADMIN for its socket and its own `ip` calls; nothing it starts for
 * the configuration inherits them. Why setpriv and not spawn()'s uid/gid: native-notes/scripts.md.
 */
import { constants as fsc } from 'node:fs';
import { access } from './fs-async.js';
import { CAP, capsAfterExec, hasCap, ownCredentials, type Credentials } from './credentials.js';
import { childNiceIncrement } from './process-priority.js';

/** The argv that runs a script with its user and an empty capability set. */
export interface Launcher {
  /** Undefined when a script as uid:gid can be run that way; else why not (the script is disabled). */
  refusal(uid: number, gid: number, userText: string): string | undefined;
  /** The program and arguments to spawn for `file args...` as uid:gid. */
  argv(file: string, args: readonly string[], uid: number, gid: number): { readonly file: string; readonly args: readonly string[] };
  /**
   * Awaited before every fork (the daemon's: none of its timers due within a few ms, as for `ip`;
   * docs/performance.md): a fork blocks the event loop, and adverts due then must leave first.
   */
  readonly gate?: () => Promise<unknown>;
}

export const SETPRIV = '/usr/bin/setpriv';
/** coreutils' `nice`: gives a script the nice value the daemon started with (vrrp_priority). */
export const NICE = '/usr/bin/nice';

/**
 * The launcher for a process with credentials `self`. `setpriv` undefined means it is not
 * installed: then only scripts that would hold nothing anyway (we have no capability to pass
 * on, and they run as ourselves) can run. `niceIncrement` (io/process-priority.ts) says how much
 * a script must raise its nice to run at the daemon's starting priority, not at `vrrp_priority`.
 */
export function createLauncher(self: Credentials, setpriv: string | undefined, niceIncrement: () => number = () => 0): Launcher {
  // What setpriv itself holds once we exec it: all it can use to switch users and drop sets.
  const caps = capsAfterExec(self);
  const canEmptyBounding = hasCap(caps, CAP.SETPCAP);
  const passesCaps = caps !== 0n || self.inheritable !== 0n;
  return {
    refusal(uid, gid, userText) {
      const switching = uid !== self.uid || gid !== self.gid;
      if (switching && !(hasCap(caps, CAP.SETUID) && hasCap(caps, CAP.SETGID))) {
        return `vrrpd runs as uid ${self.uid} gid ${self.gid} without CAP_SETUID/CAP_SETGID, so it cannot run scripts as ${userText}`;
      }
      if (uid === 0 && !canEmptyBounding && self.bounding !== 0n) {
        return `a script run as root (${userText}) would regain capabilities at exec and vrrpd lacks CAP_SETPCAP to prevent it; run scripts as another user (script_user)`;
      }
      if (setpriv === undefined && (passesCaps || switching)) {
        return `setpriv (util-linux) is not installed, and vrrpd will not start a script with its capabilities${switching ? ' or switch its user' : ''}`;
      }
      return undefined;
    },
    argv(file, args, uid, gid) {
      const opts = ['--inh-caps=-all', '--ambient-caps=-all'];
      if (canEmptyBounding) opts.push('--bounding-set=-all');
      // keepalived (notify.c set_script_env): the script's gid is its only group.
      if (uid !== self.uid || gid !== self.gid) opts.push(`--regid=${gid}`, `--groups=${gid}`, `--reuid=${uid}`);
      const run = setpriv === undefined ? [file, ...args] : [setpriv, ...opts, '--', file, ...args];
      // Raising one's nice needs no privilege: nice runs first, then setpriv drops the rest.
      const up = niceIncrement();
      const argv = up > 0 ? [NICE, '-n', String(up), ...run] : run;
      return { file: argv[0]!, args: argv.slice(1) };
    },
  };
}

/** The real launcher: our credentials and /usr/bin/setpriv when it is executable. */
export async function systemLauncher(self: Credentials): Promise<Launcher> {
  const found = await access(SETPRIV, fsc.X_OK).then(
    () => true,
    () => false,
  );
  return createLauncher(self, found ? SETPRIV : undefined, childNiceIncrement);
}

/** Who vrrpd is and how it starts scripts (tests inject their own). */
export interface ScriptHost {
  readonly self: Credentials;
  readonly launcher: Launcher;
}

/** This process's credentials and launcher; `gate` is awaited before each script's fork. */
export async function systemScriptHost(gate?: () => Promise<unknown>): Promise<ScriptHost> {
  const self = await ownCredentials();
  const launcher = await systemLauncher(self);
  return { self, launcher: gate === undefined ? launcher : { ...launcher, gate } };
}
