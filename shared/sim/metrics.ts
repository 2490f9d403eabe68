import type { BrowserIdentity, Notification } from '../swim/index';
import type { Cluster } from './cluster';
import { encodeVersioned } from './versioned-broadcasts';

/** What happened after one crash (DESIGN §6 definitions). Times are virtual ms. */
export interface CrashRecord {
  readonly member: number;
  readonly addr: string;
  readonly at: number;
  /** First probe-failed about it at a live member: the first suspicion. */
  firstSuspectAt: number | undefined;
  /** Live members that notified MemberDown about it. */
  readonly downBy: Set<number>;
  /** When the last live member notified MemberDown. */
  allDownAt: number | undefined;
}

/** How one custom broadcast spread. */
export interface SpreadRecord {
  readonly key: number;
  readonly version: number;
  readonly at: number;
  readonly reached: Set<number>;
  /** When ⌈99.99 %⌉ of the live members held it. */
  doneAt: number | undefined;
}

/** Share of members an update must reach to count as disseminated (DESIGN §6). */
export const SPREAD_TARGET = 0.9999;

/**
 * Collects DESIGN §6's figures from a cluster's notifications: detection (crash → every live member
 * notified MemberDown), first detection (crash → first probe failure about it), false positives
 * (MemberDown about a member that is running and was never hung), forced rejoins, and dissemination
 * of custom broadcasts (creation → held by 99.99 % of live members).
 */
export class ClusterMetrics {
  readonly crashes: CrashRecord[] = [];
  readonly spreads: SpreadRecord[] = [];
  /** MemberDown notifications about running members that were never hung. */
  falseDowns = 0;
  /** Probe failures about running members that were never hung (suspicions, mostly refuted). */
  falseSuspicions = 0;
  /** Forced rejoins: Rejoin notifications from members that were never hung (declared Down while running). */
  rejoins = 0;
  /** Rejoins of members that were hung (declared Down while paused, or back from a long pause): expected. */
  rejoinsAfterHang = 0;
  /** Members that were ever hung: a Down about them is not a false positive. */
  readonly impaired = new Set<number>();
  private readonly crashByAddr = new Map<string, CrashRecord>();

  constructor(private readonly cluster: Cluster) {
    cluster.sim.onNotification((member, n, now) => this.onNotification(member, n, now));
    cluster.onBroadcast((member, key, version, now) => this.onBroadcast(member, key, version, now));
  }

  /** Crashes `member` now and follows its detection. */
  crash(member: number): CrashRecord {
    const record: CrashRecord = {
      member,
      addr: this.cluster.swim(member).identity.addr,
      at: this.cluster.sim.now,
      firstSuspectAt: undefined,
      downBy: new Set(),
      allDownAt: undefined,
    };
    this.cluster.crash(member);
    this.crashes.push(record);
    this.crashByAddr.set(record.addr, record);
    return record;
  }

  /** Hangs `member` for `ms`, and stops counting Downs about it as false. */
  hang(member: number, ms: number, options: { queueInbound?: boolean } = {}): void {
    this.impaired.add(member);
    this.cluster.sim.hang(member, ms, options);
  }

  /** Adds version `version` of `key` at `member` now and follows its spread. */
  broadcast(member: number, key: number, version: number, paddingBytes = 0): SpreadRecord {
    const record: SpreadRecord = {
      key,
      version,
      at: this.cluster.sim.now,
      reached: new Set(),
      doneAt: undefined,
    };
    this.spreads.push(record);
    this.cluster.sim.addBroadcast(member, encodeVersioned(key, version, paddingBytes));
    return record;
  }

  private onNotification(member: number, n: Notification<BrowserIdentity>, now: number): void {
    switch (n.type) {
      case 'member-down': {
        const crash = this.crashByAddr.get(n.id.addr);
        if (crash !== undefined) {
          if (!crash.downBy.has(member)) {
            crash.downBy.add(member);
            if (crash.allDownAt === undefined && crash.downBy.size >= this.cluster.sim.aliveCount)
              crash.allDownAt = now;
          }
          return;
        }
        if (this.isRunningUnimpaired(n.id.addr)) this.falseDowns++;
        return;
      }
      case 'probe-failed': {
        const crash = this.crashByAddr.get(n.id.addr);
        if (crash !== undefined) {
          if (crash.firstSuspectAt === undefined) crash.firstSuspectAt = now;
        } else if (this.isRunningUnimpaired(n.id.addr)) {
          this.falseSuspicions++;
        }
        return;
      }
      case 'rejoin':
        if (this.impaired.has(member)) this.rejoinsAfterHang++;
        else this.rejoins++;
        return;
      default:
        return;
    }
  }

  private isRunningUnimpaired(addr: string): boolean {
    const index = this.cluster.sim.indexOf(addr);
    return index !== undefined && this.cluster.sim.isAlive(index) && !this.impaired.has(index);
  }

  private onBroadcast(member: number, key: number, version: number, now: number): void {
    for (const s of this.spreads) {
      if (s.key !== key || s.version !== version || s.reached.has(member)) continue;
      s.reached.add(member);
      if (s.doneAt === undefined && s.reached.size >= Math.ceil(SPREAD_TARGET * this.cluster.sim.aliveCount))
        s.doneAt = now;
    }
  }
}

/** The mean of `xs`, or null when there is none. */
export function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}
