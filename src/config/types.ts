/**
 * Vocabulary of the keepalived.conf front end: positions, diagnostics, the host interface that
 * stands between this pure code and the filesystem, tokens, the syntax tree and the validated,
 * normalised configuration vrrpd runs. Times are milliseconds (`...Ms`) unless named otherwise.
 */
import type { Result } from '../result.js';
import type { Family, IpAddress, Ipv4Address, Ipv6Address } from '../wire/address.js';
import type { OldUnicastChecksum } from '../wire/types.js';
import type { LoadLimits } from './limits.js';
import type { SplitBrainConfig } from '../protocol/types.js';
import type { ListenAddress } from './listen-address.js';

/** Where something is in the configuration: 1-based line and column. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** A section of the configuration that an error can disable on its own (the rest still runs). */
export interface SectionRef {
  readonly section: 'vrrp_instance' | 'vrrp_script' | 'vrrp_sync_group';
  readonly name: string;
}

/**
 * One message about the configuration, compiler style. What it means for running the file is
 * its class (`classOf` in diagnostics.ts): an error is fatal unless it `disables` one section; a
 * warning with `failover` marks a difference from keepalived that changes failover.
 */
export interface Diagnostic extends SourcePos {
  readonly severity: Severity;
  /** Control characters escaped (diagnostics.ts); safe to print. */
  readonly message: string;
  /** What kind of finding, where code groups findings (e.g. 'unknown-keyword', 'limit'). */
  readonly code?: string;
  /** On a warning: vrrpd, running this, fails over differently from keepalived on the same file. */
  readonly failover?: true;
  /** On an error confined to one section: that section is disabled and the others run. */
  readonly disables?: SectionRef;
}

/** Why a file could not be read: `not-regular` (a FIFO, device, directory...), `too-large` (past the byte budget), anything else `unreadable`. */
export interface ReadError {
  readonly kind: 'not-regular' | 'too-large' | 'unreadable';
  readonly detail: string;
}

/**
 * What the config loader needs from the outside world. The real one (src/io/config-files.ts)
 * uses node:fs; tests use `memoryHost` (src/config/memory-host.ts). Every call returns at once:
 * a host never blocks on a FIFO or a device and never reads more than it is allowed.
 */
export interface SourceHost {
  /** A regular file's text (symlinks followed) and its size in bytes; a larger file than `maxBytes` is `too-large`, unread. */
  readFile(path: string, maxBytes: number): Result<{ readonly text: string; readonly bytes: number }, ReadError>;
  /** Up to `maxEntries` names in a directory (`truncated` when there were more), or undefined when it is not one. */
  listDir(dir: string, maxEntries: number): { readonly names: readonly string[]; readonly truncated: boolean } | undefined;
  /** Whether something exists at this absolute path. */
  exists(path: string): boolean;
  /** Directory part of a path ("/etc/keepalived/a.conf" -> "/etc/keepalived"). */
  dirname(path: string): string;
  /** Joins a base directory and a relative path (an absolute `rel` wins), normalised. */
  join(base: string, rel: string): string;
  /** Whether a network interface exists here. Absent: interfaces are not checked. */
  interfaceExists?(name: string): boolean;
  /** Short host name: the default config id for `@id` lines. */
  readonly hostname: string;
}

/** A word of the configuration after include / conditional / parameter processing. */
export interface Token extends SourcePos {
  readonly text: string;
  /** True when the word was (partly) quoted: never a brace, never a keyword like `include`. */
  readonly quoted: boolean;
}

/** A statement: `keyword arg arg ... [{ block }]`. Value blocks hold statements whose keyword is a value. */
export interface Stmt {
  readonly keyword: Token;
  readonly args: readonly Token[];
  readonly block?: readonly Stmt[];
  /** The `{` token that opened the block. */
  readonly open?: Token;
}

/** `user [group]` for scripts. */
export interface ScriptUser {
  readonly user: string;
  readonly group?: string;
}

/**
 * A notify script, keepalived style: `notify_master "/path arg" [USER [GROUP]]`. The first word is
 * the program and the rest its arguments (no shell); USER/GROUP run it as someone else.
 */
export interface NotifyCommand {
  /** As written, for logs and reports. */
  readonly command: string;
  readonly argv: readonly string[];
  readonly user?: ScriptUser;
  /** Where the script is named. */
  readonly pos: SourcePos;
}

/**
 * A notify FIFO (keepalived `notify_fifo` / `vrrp_notify_fifo FIFO [USER [GROUP]]`): state changes
 * written as lines (`INSTANCE "VI_1" MASTER 100`); created when missing, owned by USER, with the
 * optional `*_notify_fifo_script` started as its reader, the FIFO's path as its last argument.
 */
export interface NotifyFifo {
  readonly path: string;
  /** Who owns the FIFO vrrpd creates; else the script user, as keepalived. */
  readonly user?: ScriptUser;
  readonly script?: NotifyCommand;
  readonly pos: SourcePos;
}

/** What a vrrp_script runs: a program (argv split as keepalived does, no shell) or vrrpd's built-in TCP check. */
export type ScriptCommand =
  | { readonly kind: 'exec'; readonly command: string; readonly argv: readonly string[] }
  /** vrrpd extension `check_tcp HOST:PORT`: healthy when a TCP connect succeeds within the timeout. */
  | { readonly kind: 'check_tcp'; readonly host: string; readonly port: number };

/** `global_defs`, with keepalived's defaults applied. */
export interface GlobalDefs {
  readonly routerId?: string;
  /** Multicast group for IPv4 adverts (RFC 3768 §5.2.2 / RFC 5798 §5.1.1.2: 224.0.0.18). */
  readonly vrrpMcastGroup4: Ipv4Address;
  /** Multicast group for IPv6 adverts (RFC 5798 §5.1.2.2: ff02::12). */
  readonly vrrpMcastGroup6: Ipv6Address;
  /** Delay before the second burst of gratuitous ARPs after becoming master (default 5 s). */
  readonly garpMasterDelayMs: number;
  /** Gratuitous ARPs per burst (default 5). */
  readonly garpMasterRepeat: number;
  /** Periodic gratuitous ARP while master; 0 = off (default). */
  readonly garpMasterRefreshMs: number;
  /** Gratuitous ARPs per refresh (default 1). */
  readonly garpMasterRefreshRepeat: number;
  /** `vrrp_garp_interval`: the least gap between two gratuitous ARPs on one interface (default 0). */
  readonly garpIntervalMs: number;
  /** `vrrp_strict`: keepalived's strict RFC compliance for every instance (default off). */
  readonly vrrpStrict: boolean;
  /** `vrrp_higher_prio_send_advert` (default off). */
  readonly higherPrioSendAdvert: boolean;
  /** `vrrp_lower_prio_no_advert` (default off). */
  readonly lowerPrioNoAdvert: boolean;
  /** `vrrp_garp_lower_prio_repeat`; undefined: vrrp_garp_master_repeat, as keepalived. */
  readonly garpLowerPrioRepeat?: number;
  /** `vrrp_garp_lower_prio_delay` in ms; undefined: vrrp_garp_master_delay, as keepalived. */
  readonly garpLowerPrioDelayMs?: number;
  readonly scriptUser?: ScriptUser;
  readonly enableScriptSecurity: boolean;
  /** `vrrp_version`: the default protocol version of instances (2, RFC 3768, or 3, RFC 5798). */
  readonly vrrpVersion: 2 | 3;
  /** `vrrp_startup_delay`: at daemon start, no instance becomes master before this (default 0). */
  readonly vrrpStartupDelayMs: number;
  /** `notify_fifo`: every notify line (keepalived also writes the checker's there). */
  readonly notifyFifo?: NotifyFifo;
  /** `vrrp_notify_fifo`: VRRP's notify lines. */
  readonly vrrpNotifyFifo?: NotifyFifo;
  /** `vrrp_notify_priority_changes`: the default of instances' notify_priority_changes. */
  readonly vrrpNotifyPriorityChanges: boolean;
  /** `fifo_write_vrrp_states_on_reload`: after a reload, every instance's and group's state to the FIFOs. */
  readonly fifoWriteStatesOnReload: boolean;
  /** vrrpd extension `vrrpd_metrics ADDR:PORT`: serve Prometheus metrics there (off when absent). */
  readonly vrrpdMetrics?: ListenAddress;
  /** `vrrp_priority`: the daemon's nice value, -20 to 19 (left as started when absent). */
  readonly vrrpPriority?: number;
  /** `vrrp_rt_priority`: SCHED_RR at 1 to 99 for the event loop's thread (left as started when absent). */
  readonly vrrpRtPriority?: number;
  /** `vrrp_rlimit_rttime` (deprecated spelling `vrrp_rlimit_rtime`): RLIMIT_RTTIME's hard limit in µs while real-time. */
  readonly vrrpRlimitRttimeUs?: number;
}

export interface VrrpScript {
  readonly name: string;
  readonly pos: SourcePos;
  readonly script: ScriptCommand;
  /** Default 1 s. */
  readonly intervalMs: number;
  /** keepalived: an unset timeout means the interval. */
  readonly timeoutMs: number;
  /** -253..253, default 0 (0: failure means FAULT). */
  readonly weight: number;
  readonly reverse: boolean;
  /** Successes needed to become healthy (default 1). */
  readonly rise: number;
  /** Failures needed to become unhealthy (default 1). */
  readonly fall: number;
  readonly user?: ScriptUser;
  /** `init_fail`: start in the failed state. */
  readonly initFail: boolean;
}

/** `track_file NAME { file PATH  weight N [reverse]  init_file [VALUE] [overwrite] }` (keepalived track_file.c). */
export interface TrackFile {
  readonly name: string;
  readonly pos: SourcePos;
  /** Absolute path of the file. */
  readonly path: string;
  /** -254..254, default 1: the value read times the weight moves the priority; 0: non-zero means FAULT. */
  readonly weight: number;
  readonly reverse: boolean;
  /** `init_file`: write `value` at start when the file is missing, or always with `overwrite` (never on reload). */
  readonly init?: { readonly value: number; readonly overwrite: boolean };
}

/** keepalived's param_match: how a process's parameters are compared with those configured. */
export type ParamMatch = 'none' | 'exact' | 'partial' | 'initial';

/** `vrrp_track_process NAME { process NAME [PARAM...] ... }` (keepalived track_process.c). */
export interface TrackProcess {
  readonly name: string;
  readonly pos: SourcePos;
  /** The name matched: the kernel's process name (comm), or argv[0] with `fullCommand`. */
  readonly process: string;
  /** Parameters to compare (argv[1..]); empty when none were given. */
  readonly params: readonly string[];
  readonly paramMatch: ParamMatch;
  /** Match /proc/PID/cmdline (argv) instead of the process name; set by parameters or param_match too. */
  readonly fullCommand: boolean;
  /** -254..254, default 0 (keepalived 2.2.7's code; its manual says 1): without quorum, FAULT. */
  readonly weight: number;
  readonly reverse: boolean;
  /** Fewest matching processes for a success (default 1; 0 with quorum_max 0). */
  readonly quorum: number;
  /** Most matching processes for a success; undefined: no bound. */
  readonly quorumMax?: number;
  /** After a fork brings the count into quorum: wait this long before it counts (ms). */
  readonly forkDelayMs: number;
  /** After an exit takes the count out of quorum: wait this long before it counts (ms). */
  readonly terminateDelayMs: number;
}

export interface VirtualAddress {
  /** IPv4 or IPv6: virtual_ipaddress holds the instance's family, virtual_ipaddress_excluded either. */
  readonly address: IpAddress;
  /** Default 32 (128 for IPv6). */
  readonly prefixLen: number;
  /** `brd` (IPv4 only): an IPv4 address, or `+` / `-` (computed from the prefix / none), as `ip addr` takes it. */
  readonly brd?: string;
  readonly dev?: string;
  /** A scope name (global, site, link, host, nowhere) or number 0..255. */
  readonly scope?: string;
  /** Starts with the device's name and is at most 15 characters (what `ip addr` accepts). */
  readonly label?: string;
  readonly pos: SourcePos;
}

/** A track_script / track_interface entry; `weight` undefined = the script's own weight (interfaces: 0). */
export interface TrackRef {
  readonly name: string;
  readonly weight?: number;
  readonly reverse?: boolean;
  readonly pos: SourcePos;
  /** Set when the reference is the instance's vrrp_sync_group's (keepalived applies those to every member). */
  readonly group?: string;
}

export interface GarpSettings {
  readonly masterDelayMs: number;
  readonly masterRepeat: number;
  readonly masterRefreshMs: number;
  readonly masterRefreshRepeat: number;
}

/** A `virtual_routes` line: `ip route` arguments, checked (validate-routes.ts). */
export interface VirtualRoute {
  readonly type?: 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  /** Canonical "a.b.c.d/len". */
  readonly to: string;
  readonly src?: IpAddress;
  readonly via?: IpAddress;
  readonly dev?: string;
  readonly scope?: string;
  readonly table?: string;
  readonly metric?: number;
  readonly proto?: string;
  readonly onlink?: boolean;
  /** keepalived's default is prepend (the kernel's default); `add` / `append` as written. */
  readonly how: 'prepend' | 'add' | 'append';
  readonly pos: SourcePos;
}

/** A `virtual_rules` line: `ip rule` arguments, checked (validate-routes.ts). */
export interface VirtualRule {
  readonly not?: boolean;
  readonly from?: string;
  readonly to?: string;
  readonly iif?: string;
  readonly oif?: string;
  readonly fwmark?: string;
  readonly tos?: number;
  readonly preference?: number;
  readonly table?: string;
  readonly type?: 'blackhole' | 'unreachable' | 'prohibit';
  readonly pos: SourcePos;
}

/** `use_vmac`: the virtual router MAC on a macvlan interface (RFC 3768 §7.3), as keepalived sets it up. */
export interface VmacSettings {
  /** The macvlan's name: as written, else keepalived's `vrrp.<VRID>`. */
  readonly ifname: string;
  /** 00:00:5e:00:01:<VRID>. */
  readonly mac: string;
  /** `vmac_xmit_base`: adverts leave through the base interface (its MAC) instead of the macvlan. */
  readonly xmitBase: boolean;
}

export type Authentication = { readonly type: 0 } | { readonly type: 1; readonly pass: string };

/**
 * The trackers an instance or a sync group references. An instance's lists hold its own
 * references, then its sync group's (with `group` set); a group's are its own, which every member
 * also lists.
 */
export interface TrackerRefs {
  readonly trackScripts: readonly TrackRef[];
  readonly trackInterfaces: readonly TrackRef[];
  readonly trackFiles: readonly TrackRef[];
  readonly trackProcesses: readonly TrackRef[];
}

/** The notify scripts of an instance or a sync group, one per state and the catch-all `notify`. */
export interface NotifyCommands {
  readonly notifyMaster?: NotifyCommand;
  readonly notifyBackup?: NotifyCommand;
  readonly notifyFault?: NotifyCommand;
  readonly notifyStop?: NotifyCommand;
  readonly notify?: NotifyCommand;
}

export interface VrrpInstance extends TrackerRefs, NotifyCommands {
  readonly name: string;
  readonly pos: SourcePos;
  /** Initial state wanted. */
  readonly state: 'MASTER' | 'BACKUP';
  /**
   * The interface adverts use (with use_vmac: the base interface). '' when omitted, which
   * keepalived allows in unicast mode with unicast_src_ip: adverts then leave by the route to each
   * peer and every VIP names its `dev`.
   */
  readonly interface: string;
  readonly vrid: number;
  /** Base priority 1..255: default 100, or 255 when `state MASTER` has no priority (keepalived vrrp.c). */
  readonly priority: number;
  readonly priorityExplicit: boolean;
  /** RFC 3768 (2) or RFC 5798 (3): `version`, else global `vrrp_version`, else 2. */
  readonly version: 2 | 3;
  /** The family of the instance's addresses (VRRPv2: IPv4). */
  readonly family: Family;
  /**
   * `advert_int` in centiseconds (default 100): whole seconds under VRRPv2 (rounded, as keepalived
   * does), 1..4095 cs under VRRPv3.
   */
  readonly adverIntervalCs: number;
  /**
   * RFC 5798 Accept_Mode: keepalived's `accept` / `no_accept`; the default is accept, but no_accept
   * under strict mode (except for the address owner). vrrpd enforces no_accept as keepalived does,
   * with an nftables drop rule for the VIPs while master.
   */
  readonly acceptMode: boolean;
  /** `strict_mode`, else global `vrrp_strict`: keepalived's strict rules were applied to this instance. */
  readonly strictMode: boolean;
  /** What a master does when it hears another master (keepalived's split-brain knobs, resolved). */
  readonly splitBrain: SplitBrainConfig;
  readonly vmac?: VmacSettings;
  readonly virtualRoutes: readonly VirtualRoute[];
  readonly virtualRules: readonly VirtualRule[];
  /**
   * keepalived's `old_unicast_checksum` (VRRPv3 unicast over IPv4: the RFC 5798 §5.2.8 checksum
   * computed as if sent to the multicast group): 'auto' (default), 'never' or 'always'.
   */
  readonly oldUnicastChecksum: OldUnicastChecksum;
  /** VRRPv2 only (VRRPv3 has no authentication: keepalived ignores it with a warning, so do we). */
  readonly auth: Authentication;
  readonly vips: readonly VirtualAddress[];
  readonly vipsExcluded: readonly VirtualAddress[];
  readonly nopreempt: boolean;
  readonly preemptDelayMs: number;
  /** `notify_priority_changes` (else its sync group's, else global vrrp_notify_priority_changes): priority changes to the FIFOs. */
  readonly notifyPriorityChanges: boolean;
  /** Of the instance's family, like the unicast peers and mcast_src_ip. */
  readonly unicastSrcIp?: IpAddress;
  readonly unicastPeers: readonly IpAddress[];
  readonly mcastSrcIp?: IpAddress;
  /** Effective gratuitous ARP settings (instance overrides, else global_defs). */
  readonly garp: GarpSettings;
  readonly dontTrackPrimary: boolean;
  readonly smtpAlert: boolean;
  /** Name of the sync group this instance belongs to, if any. */
  readonly syncGroup?: string;
}

export interface VrrpSyncGroup extends TrackerRefs, NotifyCommands {
  readonly name: string;
  readonly pos: SourcePos;
  readonly members: readonly string[];
  readonly notifyPriorityChanges?: boolean;
}

/** A section an error disabled: where it is defined. */
export interface DisabledSection extends SectionRef {
  readonly pos: SourcePos;
}

/** The validated, normalised configuration. */
export interface VrrpdConfig {
  /** Entry file first, then included files in the order read. */
  readonly files: readonly string[];
  readonly configId: string;
  readonly global: GlobalDefs;
  readonly scripts: readonly VrrpScript[];
  readonly trackFiles: readonly TrackFile[];
  readonly trackProcesses: readonly TrackProcess[];
  readonly instances: readonly VrrpInstance[];
  readonly syncGroups: readonly VrrpSyncGroup[];
}

export interface LoadOptions {
  /** Value compared with `@id` lines; default `host.hostname`. */
  readonly configId?: string;
  /** Tighter (or, for tests, other) bounds than LOAD_LIMITS (src/config/limits.ts). */
  readonly limits?: Partial<LoadLimits>;
}

export interface LoadResult {
  /**
   * Undefined when an error stops the whole file (class 'fatal'). Else what runs: the sections an
   * error disabled (class 'disabled') are left out and listed in `disabled`.
   */
  readonly config: VrrpdConfig | undefined;
  /** Sections left out of `config` for their own errors, in file order (empty when `config` is undefined). */
  readonly disabled: readonly DisabledSection[];
  readonly diagnostics: readonly Diagnostic[];
  /** Files read (entry first), also when there are errors. */
  readonly files: readonly string[];
}
