import type { Invalidates } from './broadcast';
import type { Identity } from './identity';
import type { Member } from './member';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { checkBeforeSuspect } from './suspicion-checks';
import { chooseIndirect, directRetries, nextProbeTarget } from './topology';

/*
 * The probe cycle, as foca's: every period (`probe-random-member`) the previous cycle is judged and
 * the next member in the probe list is pinged; if no Ack came within `probeRttMs`
 * (`send-indirect-probe`), a few others are asked to ping it. Acks are recorded by inbound.ts.
 * Shoal judges the cycle earlier, `judge-probe` a short indirect wait after the PingReqs (foca's
 * `probe-random-member` still judges a cycle whose verdict timer never came). With Lifeguard the
 * RTT, the indirect wait and the period are scaled by our local health (local-health.ts).
 */

/** A `probe-random-member` timer with the current token, while connected. */
export function probeRandomMember<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  runtime: Runtime<T>,
): void {
  const probe = m.probe;
  m.replies?.nextPeriod();
  // A cycle whose indirect stage never ran (the host lost that timer) is dropped, not judged.
  if (!probe.validate()) probe.clear();
  judgeProbe(m, runtime);
  // Overlay mode probes our subjects in turn; a full mesh walks the shuffled probe list, as foca.
  const next = m.topology === undefined ? m.table.next(m.rng) : nextProbeTarget(m);
  if (next !== undefined) {
    const id = next.id;
    const probeNumber = probe.start(id, next.incarnation);
    // Lifeguard's buddy system: a suspect we probe learns it is suspected and can refute at once.
    const extra: Member<T> | undefined =
      next.state === 'suspect' ? { id, incarnation: next.incarnation, state: 'suspect' } : undefined;
    m.send(id, { type: 'ping', probeNumber }, runtime, extra);
    runtime.submitAfter({ type: 'send-indirect-probe', probedId: id, token: m.token }, m.probeRttMs);
  }
  runtime.submitAfter({ type: 'probe-random-member', token: m.token }, m.probePeriodMs);
}

/**
 * Judges the current cycle if it failed: `probe-failed`, then (an Alive member) the check before
 * suspecting, or (a Suspect) our own suspicion timeout. With Lifeguard, the verdict moves our local
 * health: −1 for a success, +1 per relay that did not nack (+1 with no relay) for a failure, +1 for
 * a late timer since the last verdict.
 */
function judgeProbe<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  runtime: Runtime<T>,
): void {
  const probe = m.probe;
  if (m.lifeguard && probe.probed !== undefined) {
    m.health.settleLateness();
    const asked = probe.relaysAsked;
    // memberlist's rule: a relay that didn't nack suggests the trouble is at our end.
    if (probe.succeeded()) m.health.apply(-1);
    else m.health.apply(asked > 0 ? asked - probe.nacksReceived : 1);
  }
  const failed = probe.takeFailed();
  if (failed === undefined) return;
  runtime.notify({ type: 'probe-failed', probeNumber: probe.probeNumber, id: failed.id });
  const rec = m.table.get(failed.id.addr);
  if (rec?.id.equals(failed.id) === true && rec.state === 'alive' && rec.incarnation === failed.incarnation) {
    // Shoal: before suspecting, one more check (a Ping and PingReqs, one period). On a lossy
    // network most failed probes end there, and each suspicion costs every member
    // maxTransmissions sends of it and of its refutation.
    checkBeforeSuspect(m, failed.id, failed.incarnation, runtime);
  } else {
    const s = m.suspect(failed.id, failed.incarnation, undefined, runtime);
    // Already Suspect: our own timeout runs again beside any running one (it may have gone with an
    // old token, or be a longer one we only heard of), and with Lifeguard our failure confirms it.
    if (s?.isActiveNow === true && !s.applySuccessful) {
      // With `heardSuspicionAsOwn`, as long after our silent Ping as our own suspicion's Down would
      // come: it had a check before it was published. Else a stall that began just before our Ping
      // would be a Down a period sooner than the suspicion's own prober allows.
      const check = m.heardSuspicionAsOwn ? m.config.probePeriodMs : 0;
      m.armSuspicionTimeout(failed.id, failed.incarnation, m.suspicionWaitMs + check, runtime, true);
      m.confirmSuspicion(failed.id, failed.incarnation, [m.accuserTag], runtime);
    }
  }
}

/** A `judge-probe` timer: the indirect wait of the probe `probeNumber` of `probedId` is over. */
export function judgeProbeEarly<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  probedId: T,
  probeNumber: number,
  runtime: Runtime<T>,
): void {
  const probe = m.probe;
  if (m.connection !== 'connected' || probe.probeNumber !== probeNumber || !probe.isProbing(probedId)) return;
  // A success is left to the next period's verdict, which counts it once.
  if (probe.succeeded()) return;
  judgeProbe(m, runtime);
}

/** A `send-nack` timer: if the target of the PingReq we relayed never answered, the prober hears so. */
export function sendNack<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  origin: T,
  target: T,
  probeNumber: number,
  runtime: Runtime<T>,
): void {
  if (!m.relayed.take(target, origin, probeNumber)) return;
  if (m.connection === 'connected') m.send(origin, { type: 'nack', probeNumber }, runtime);
}

/** A `send-indirect-probe` timer with the current token: no Ack within the round-trip time. */
export function sendIndirectProbe<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  probedId: T,
  runtime: Runtime<T>,
): void {
  const probe = m.probe;
  probe.markIndirectStageReached();
  if (!probe.isProbing(probedId) || probe.succeeded()) return;
  if (!m.table.isActive(probedId)) return;
  chooseIndirect(m, probedId, m.choice);
  const chosen = m.choice.splice(0);
  const probeNumber = probe.probeNumber;
  for (const via of chosen) {
    probe.expectIndirectAck(via);
    m.send(via, { type: 'ping-req', target: probedId, probeNumber }, runtime);
  }
  // Shoal, as memberlist: try the direct path once more beside the indirect ones. On a lossy link
  // this halves the probes that fail for a member that is fine, and each failure costs a
  // suspicion and a refutation sent maxTransmissions times by every member.
  const rec = m.table.get(probedId.addr)!;
  const extra: Member<T> | undefined =
    rec.state === 'suspect' ? { id: probedId, incarnation: rec.incarnation, state: 'suspect' } : undefined;
  // Overlay mode: where the rings give too few relays, more direct tries stand in for them.
  const pings = 1 + directRetries(m, chosen.length, m.config.numIndirectProbes);
  for (let i = 0; i < pings; i++) m.send(probedId, { type: 'ping', probeNumber }, runtime, extra);
  runtime.submitAfter({ type: 'judge-probe', probedId, probeNumber, token: m.token }, m.indirectWaitMs);
}
