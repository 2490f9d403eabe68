import { answerSync, receiveSyncPage } from './anti-entropy';
import type { Invalidates } from './broadcast';
import type { HandleResult, RemoteErrorKind } from './errors';
import type { Identity } from './identity';
import { NACK_AFTER } from './local-health';
import { decodePacket } from './packet';
import type { Header } from './payload';
import type { Runtime } from './runtime';
import type { StateMachine } from './state-machine';
import { checkNacked } from './suspicion-checks';
import { heldItemsDigest } from './view-digest';

/*
 * One packet from the network, in the order foca takes it: refuse what isn't for us (changing
 * nothing), apply the sender's own liveness, then the piggybacked updates, then the custom
 * broadcasts, and last answer the message itself, which only a connected member does.
 */

const OK: HandleResult = { ok: true };

function fail(kind: RemoteErrorKind, message: string): HandleResult {
  return { ok: false, error: { kind, message } };
}

/** See `Swim.handleData`. */
export function handleData<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  bytes: Uint8Array,
  runtime: Runtime<T>,
): HandleResult {
  if (bytes.length > m.config.maxPacketSize) {
    return fail('data-too-big', `${bytes.length} bytes > maxPacketSize ${m.config.maxPacketSize}`);
  }
  const decoded = decodePacket(m.codec, bytes);
  if (!decoded.ok) return fail(decoded.kind, decoded.message);
  const { header, members, broadcasts } = decoded.packet;
  const src = header.src;
  const msg = header.message;
  const ours = m.identity.addr;
  if (src.addr === ours) return fail('data-from-ourselves', `src ${src.toString()} has our addr`);
  if (m.connection === 'undead') return fail('not-for-us', 'we are undead: packets are dropped');
  const wasDisconnected = m.connection === 'disconnected';
  if (!acceptsPayload(m.identity, header)) {
    // Shoal: someone still talks to an older life of ours. Tell it who we are now, or after a mass
    // rejoin (a healed partition) members can keep addressing each other's old identities, each
    // side dropping the other's packets, until a periodic announce to the Down breaks the tie.
    if (
      header.dst.addr === ours &&
      !src.equals(m.identity) &&
      m.replies?.allow('who-we-are', src) !== false
    ) {
      m.send(src, { type: 'gossip' }, runtime);
    }
    return fail('not-for-us', `dst ${header.dst.toString()} is not us (${m.identity.toString()})`);
  }
  if (
    ((msg.type === 'ping-req' || msg.type === 'indirect-ack') && msg.target.addr === ours) ||
    ((msg.type === 'indirect-ping' || msg.type === 'forwarded-ack') && msg.origin.addr === ours)
  ) {
    return fail('indirect-for-ourselves', `${msg.type} names us`);
  }

  if (m.dataNotifications) runtime.notify({ type: 'data-received', header });

  const insertedBefore = m.table.insertedActive;
  const senderIsActive = m.applyUpdate(src, header.srcIncarnation, 'alive', true, runtime, undefined, true);
  const senderIsNew = m.table.insertedActive !== insertedBefore;
  if (!senderIsActive) {
    // The sender is Down to us (or an old identity): its data can't be trusted. A TurnUndead from it
    // still counts, or two members that think each other Down would bounce TurnUndeads forever.
    if (msg.type === 'turn-undead') m.handleSelfUpdate(0, 'down', runtime);
    if (m.config.notifyDownMembers && m.replies?.allow('turn-undead', src) !== false) {
      m.send(src, { type: 'turn-undead' }, runtime);
    }
    return OK;
  }

  // Shoal: a joiner doesn't pass on the members its Feeds list (the cluster knows them: at N=1,000
  // that would be 1,000 updates × maxTransmissions). A connected member does, as foca: that is how
  // a periodic announce across a healed partition teaches one side about the other.
  const joining = msg.type === 'feed' && (wasDisconnected || (m.feedChase === src.addr && m.feedChaseIsJoin));
  const knownBefore = m.table.insertedActive;
  // A sync page's members are the sender's records, Downs included: anti-entropy.ts takes them apart.
  if (msg.type !== 'sync-page') m.applyMany(members, !joining, runtime, src);
  const learnedNew = m.table.insertedActive !== knownBefore;

  const result = broadcasts.length > 0 ? receiveBroadcasts(m, broadcasts, src) : OK;

  if (m.connection !== 'connected') return result;

  switch (msg.type) {
    case 'ping':
      m.send(src, { type: 'ack', probeNumber: msg.probeNumber }, runtime);
      break;
    case 'ack': {
      // The first answer of the cycle tells how our direct wait fits the link.
      const first = !m.probe.succeeded();
      const late = m.probe.indirectStageReached;
      if (m.probe.receiveAck(src, msg.probeNumber) && first) m.noteAck(late);
      if (m.checks.size > 0) {
        m.checks.answered(src.addr, msg.probeNumber);
        if (m.probe.answersFailed(src.addr, msg.probeNumber)) m.checks.answeredBeforeSuspect(src.addr);
      }
      break;
    }
    case 'ping-req':
      m.send(msg.target, { type: 'indirect-ping', origin: src, probeNumber: msg.probeNumber }, runtime);
      if (m.lifeguard) {
        // Lifeguard: if the target stays silent, tell the prober before its verdict.
        m.relayed.add(msg.target, src, msg.probeNumber);
        runtime.submitAfter(
          {
            type: 'send-nack',
            origin: src,
            target: msg.target,
            probeNumber: msg.probeNumber,
            token: m.token,
          },
          m.baseIndirectWaitMs * NACK_AFTER,
        );
      }
      break;
    case 'indirect-ping':
      m.send(src, { type: 'indirect-ack', target: msg.origin, probeNumber: msg.probeNumber }, runtime);
      break;
    case 'indirect-ack':
      if (m.relayed.size > 0) m.relayed.answered(src, msg.target, msg.probeNumber);
      m.send(msg.target, { type: 'forwarded-ack', origin: src, probeNumber: msg.probeNumber }, runtime);
      break;
    case 'forwarded-ack':
      m.probe.receiveIndirectAck(src, msg.probeNumber);
      if (m.checks.size > 0) {
        m.checks.answered(msg.origin.addr, msg.probeNumber);
        if (m.probe.answersFailed(msg.origin.addr, msg.probeNumber)) {
          m.checks.answeredBeforeSuspect(msg.origin.addr);
        }
      }
      break;
    case 'nack':
      m.probe.receiveNack(src, msg.probeNumber);
      if (m.lifeguard && m.checks.size > 0) checkNacked(m, src, msg.probeNumber, runtime);
      break;
    case 'announce':
      // Protocol 1.6: the announcer's digests say what our Feed would only repeat: the members, when
      // its view is ours (anti-entropy repairs a difference), and the retained items, when it holds ours.
      if (m.replies?.allow('feed', src) !== false) {
        const digest = msg.digest;
        const sameMembers = digest !== undefined && digest.members === m.antiEntropy?.digest.total(ours);
        const sameItems = digest !== undefined && digest.items === heldItemsDigest(m);
        m.sendFeed(src, 0, runtime, !sameMembers, !sameItems);
      }
      // With statements: an announcer new to us may bring a cluster we don't know (two halves of a
      // room meeting), and our Feed teaches only its side; ask for its Feed too. A signed Feed lists
      // about 7 members a page, so its other side would otherwise learn them one link at a time.
      if (senderIsNew && m.statements !== undefined) m.send(src, { type: 'announce' }, runtime);
      break;
    case 'feed': {
      // Start walking the pages only if the first one taught us something: a joiner walks the whole
      // membership, a periodic announce into a cluster we already know costs one Feed.
      const chasing = m.feedChase === src.addr;
      if (msg.next !== 0 && (learnedNew || chasing)) {
        if (!chasing) m.feedChaseIsJoin = wasDisconnected;
        m.feedChase = src.addr;
        m.send(src, { type: 'feed-request', cursor: msg.next }, runtime);
      } else if (chasing) {
        m.feedChase = undefined;
      }
      break;
    }
    case 'feed-request':
      m.sendFeed(src, Math.max(1, msg.cursor), runtime);
      break;
    case 'turn-undead':
      m.handleSelfUpdate(0, 'down', runtime);
      break;
    case 'sync':
      answerSync(m, msg, src, runtime);
      break;
    case 'sync-page':
      receiveSyncPage(m, msg, members, src, runtime);
      break;
    case 'gossip':
    case 'broadcast':
      break;
  }
  return result;
}

function acceptsPayload<T extends Identity>(us: T, header: Header<T>): boolean {
  // An Announce may name an older identity of ours: a joiner only knows the addr it was given.
  return header.dst.equals(us) || (header.message.type === 'announce' && header.dst.addr === us.addr);
}

function receiveBroadcasts<T extends Identity, K extends Invalidates>(
  m: StateMachine<T, K>,
  items: readonly Uint8Array[],
  sender: T,
): HandleResult {
  const handler = m.handler;
  if (handler === undefined) return fail('custom-broadcast', 'custom broadcasts received with no handler');
  // Once per packet: it encodes a header to size the room.
  const room = m.out.broadcastRoom(m);
  for (const item of items) {
    let key: K | undefined;
    try {
      key = handler.receiveItem(item, sender);
    } catch (e) {
      return fail('custom-broadcast', e instanceof Error ? e.message : String(e));
    }
    // An item too big for our packets (a peer with a larger maxPacketSize) is kept by the handler
    // but not passed on: it would sit in the backlog forever.
    if (key !== undefined && item.length <= room) {
      m.out.customs.addOrReplace(key, item, m.unrepairedTransmissions);
    }
  }
  return OK;
}
