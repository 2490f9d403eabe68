/**
 * A throwaway TURN server: Debian's coturn on loopback with one static user, logging to stdout so a
 * test can count the relay allocations it made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { freePort } from './signaling';

export const TURN_USER = 'shoal';
export const TURN_PASSWORD = 'relay-only';

export class Coturn {
  private log = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (b: Buffer) => {
      this.log += b.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** The `iceServers` entry for it, UDP on 127.0.0.1. */
  get iceServer(): RTCIceServer {
    return {
      urls: `turn:127.0.0.1:${this.port}?transport=udp`,
      username: TURN_USER,
      credential: TURN_PASSWORD,
    };
  }

  /** Relay allocations coturn granted so far (its log line for each successful ALLOCATE). */
  allocations(): number {
    return this.log.split('\n').filter((l) => /ALLOCATE processed, success/.test(l)).length;
  }

  output(): string {
    return this.log.slice(-4000);
  }

  static async start(): Promise<Coturn> {
    const port = await freePort();
    const child = spawn(
      'turnserver',
      [
        '-n', // no config file
        `--listening-port=${port}`,
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        '--min-port=49200',
        '--max-port=49400',
        '--realm=shoal.test',
        '--lt-cred-mech',
        `--user=${TURN_USER}:${TURN_PASSWORD}`,
        // Both pages are on this machine: their relayed addresses are loopback ones.
        '--allow-loopback-peers',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--fingerprint',
        '--log-file=stdout',
        '--simple-log',
        '--verbose',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const turn = new Coturn(child, port);
    const deadline = Date.now() + 10_000;
    while (!(await answersBinding(port))) {
      if (child.exitCode !== null) throw new Error(`turnserver exited:\n${turn.output()}`);
      if (Date.now() > deadline) throw new Error(`turnserver did not start:\n${turn.output()}`);
    }
    return turn;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** Whether a STUN Binding request to the port gets an answer within 300 ms. */
async function answersBinding(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  // Binding request, no attributes: type 0x0001, length 0, magic cookie, 12-byte transaction id.
  const request = Buffer.from('000100002112a442000000000000000000000001', 'hex');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
