/**
 * Network namespaces for tests of lost networks (run as root; `ip` from iproute2). Everything lives
 * in namespaces this creates, nothing touches the host's own network: a hub namespace holds a
 * bridge (and whatever serves the room), and each member namespace is wired to the bridge by a veth
 * pair, on 10.99.0.0/24. Pulling a member's cable is `ip link set DEV down` on the hub's end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Whether this machine lets us make namespaces (root and a kernel that allows it). */
export function netnsAvailable(): boolean {
  const probe = `shoalprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

export class NetLab {
  private readonly prefix: string;
  private readonly namespaces: string[] = [];
  private members = 0;

  constructor() {
    // Short: interface names have 15 characters at most.
    this.prefix = `sh${(process.pid % 10_000).toString(36)}`;
  }

  get hub(): string {
    return `${this.prefix}hub`;
  }

  /** The hub's address (for a server run in it with `exec(hub, …)`). */
  readonly hubAddress = '10.99.0.1';

  /** Makes the hub namespace and its bridge. */
  up(): void {
    ip('netns', 'add', this.hub);
    this.namespaces.push(this.hub);
    ip('-n', this.hub, 'link', 'set', 'lo', 'up');
    ip('-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.hub, 'addr', 'add', `${this.hubAddress}/24`, 'dev', 'br0');
    ip('-n', this.hub, 'link', 'set', 'br0', 'up');
  }

  /** Makes a member namespace wired to the bridge; returns its name and its cable's (hub end) name. */
  addMember(): { readonly ns: string; readonly cable: string; readonly address: string } {
    const n = this.members++;
    const ns = `${this.prefix}m${n}`;
    const cable = `c${n}`;
    const address = `10.99.0.${10 + n}`;
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', this.hub, 'link', 'add', cable, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.hub, 'link', 'set', cable, 'master', 'br0');
    ip('-n', this.hub, 'link', 'set', cable, 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    return { ns, cable, address };
  }

  /** Pulls (`false`) or plugs back (`true`) a member's cable. */
  cable(cable: string, connected: boolean): void {
    ip('-n', this.hub, 'link', 'set', cable, connected ? 'up' : 'down');
  }

  /** Drops everything `ns` sends to `to` (a blackhole route): that one path fails, the rest work. */
  blackhole(ns: string, to: string, on: boolean): void {
    ip('-n', ns, 'route', on ? 'add' : 'del', 'blackhole', `${to}/32`);
  }

  /** Runs `command` inside `ns`. */
  exec(ns: string, command: readonly string[], cwd: string): ChildProcess {
    return spawn('ip', ['netns', 'exec', ns, ...command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Deletes every namespace made (their veths and bridge go with them). */
  down(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {}
    }
  }
}
