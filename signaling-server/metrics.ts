import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ErrorReason } from '../shared/signaling/index';

/** The event label is one of these, so a client inventing event names cannot grow the label set. */
export type EventLabel = 'join' | 'leave' | 'signal' | 'unknown' | 'connection';

/**
 * The server's Prometheus metrics, in a registry of its own so that several servers in one process
 * (tests, the e2e suite) keep separate counts.
 */
export class SignalingMetrics {
  readonly registry = new Registry();
  readonly connectionsTotal: Counter;
  readonly joins: Counter;
  readonly leaves: Counter;
  readonly relayedSignals: Counter;
  readonly rejectedEvents: Counter<'event' | 'reason'>;
  /** Sockets dropped for not joining a room within `idleSocketTimeoutMs`. */
  readonly idleDisconnects: Counter;
  /** Connections and joins refused by a per-IP limit (`maxSocketsPerIp`, `maxRoomsPerIp`). */
  readonly ipLimitRefusals: Counter<'limit'>;

  constructor(sample: () => { connections: number; rooms: number; members: number; ips: number }) {
    const registers = [this.registry];
    new Gauge({
      name: 'shoal_signaling_connections',
      help: 'Open socket.io connections on this instance.',
      registers,
      collect() {
        this.set(sample().connections);
      },
    });
    new Gauge({
      name: 'shoal_signaling_rooms',
      help: 'Rooms with at least one member on this instance.',
      registers,
      collect() {
        this.set(sample().rooms);
      },
    });
    new Gauge({
      name: 'shoal_signaling_room_members',
      help: 'Room memberships held by this instance.',
      registers,
      collect() {
        this.set(sample().members);
      },
    });
    new Gauge({
      name: 'shoal_signaling_client_ips',
      help: 'Distinct client IP addresses with an open socket on this instance.',
      registers,
      collect() {
        this.set(sample().ips);
      },
    });
    this.idleDisconnects = new Counter({
      name: 'shoal_signaling_idle_disconnects_total',
      help: 'Sockets disconnected for not joining a room within the idle timeout.',
      registers,
    });
    this.ipLimitRefusals = new Counter({
      name: 'shoal_signaling_ip_limit_refusals_total',
      help: 'Connections (limit="sockets") and joins (limit="rooms") refused by a per-IP limit.',
      labelNames: ['limit'],
      registers,
    });
    this.connectionsTotal = new Counter({
      name: 'shoal_signaling_connections_total',
      help: 'socket.io connections accepted since start.',
      registers,
    });
    this.joins = new Counter({
      name: 'shoal_signaling_joins_total',
      help: 'Successful joins since start.',
      registers,
    });
    this.leaves = new Counter({
      name: 'shoal_signaling_leaves_total',
      help: 'Explicit leaves since start (disconnects not included).',
      registers,
    });
    this.relayedSignals = new Counter({
      name: 'shoal_signaling_relayed_signals_total',
      help: 'Signals relayed from one member to another since start.',
      registers,
    });
    this.rejectedEvents = new Counter({
      name: 'shoal_signaling_rejected_events_total',
      help: 'Inbound events refused, by event name and reason.',
      labelNames: ['event', 'reason'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  reject(event: EventLabel, reason: ErrorReason): void {
    this.rejectedEvents.inc({ event, reason });
  }
}
