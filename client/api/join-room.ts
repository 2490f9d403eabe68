import { ed25519 } from '@noble/curves/ed25519.js';
import type { Clock, Logger } from '../../shared/host/index';
import { OverlayTopology, silentLogger } from '../../shared/host/index';
import { memberKeyFromSecret } from '../../shared/signaling/member-key';
import { METADATA_LABEL, statementAuth } from '../../shared/signaling/statement-auth';
import { BinaryCodec, browserIdentityCodec, type Rng, seededRng } from '../../shared/swim/index';
import { linkReserve, ringsForBudget } from '../mesh/link-keeper';
import type { Mesh } from '../mesh/mesh';
import { SameBrowserMesh } from '../mesh/same-browser';
import { Bootstrapper } from '../runtime/bootstrap';
import { systemClock } from '../runtime/clock';
import { IdentityStore } from '../runtime/identity-store';
import { SwimHost } from '../runtime/swim-host';
import { isGoneMember } from './app-inbox';
import { MemberTable } from './member-table';
import { type Metadata, type MetadataKey, MetadataStore } from './metadata';
import { type JoinRoomOptions, type ResolvedOptions, RoomOptionsError, resolveOptions } from './options';
import { Room } from './room';
import type { RoomDeps } from './room-deps';
import { swimBounds } from './room-limits';
import { SelfMetadata } from './self-metadata';

/** What an environment supplies to `makeJoinRoom`; the randomness is seeded here if absent. */
export type JoinRoomDeps = Omit<RoomDeps, 'rng'> & Partial<Pick<RoomDeps, 'rng'>>;

/** A 32-bit seed from the platform's CSPRNG, so every tab probes in its own order. */
function randomSeed(): number {
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return word[0]!;
}

// A tab makes its key on the way into the room, and noble builds its base-point table on that first
// use: 4-bit windows build that table about twice as fast as its default 6 (measured cold in Node at
// load 14: a first key in 35 ms against 78), for ~0.3 ms more a signature after. Set before any use.
ed25519.Point.BASE.precompute(4);

/** The mesh's default link budget (`MeshInit.maxConnections`). */
const DEFAULT_MAX_CONNECTIONS = 32;

/** Reads a SWIM packet's sender with the core's own codec (the mesh checks it is the channel's peer). */
const sourceCodec = new BinaryCodec(browserIdentityCodec);
const swimSrcAddr = (bytes: Uint8Array): string | undefined => sourceCodec.readSource(bytes)?.addr;

/**
 * Builds `joinRoom` for an environment (browser, Node, tests). The returned function validates its
 * options (throwing `RoomOptionsError` before anything is created) and returns the room at once: it
 * connects in the background, which `status` events tell.
 */
export function makeJoinRoom(deps: JoinRoomDeps) {
  return function joinRoom<M extends Metadata = Metadata>(options: JoinRoomOptions<M>): Room<M> {
    const resolved = resolveOptions<M>(options);
    return buildRoom(resolved, {
      ...deps,
      rng: deps.rng ?? seededRng(randomSeed()),
    });
  };
}

/**
 * The one place a room is put together. Every layer gets the same clock, the same random source and
 * the same logger, so a test that injects a virtual clock or a seed drives all of them.
 */
function buildRoom<M extends Metadata>(options: ResolvedOptions<M>, deps: RoomDeps): Room<M> {
  const clock: Clock = deps.clock ?? systemClock;
  const rng: Rng = deps.rng;
  const logger: Logger = options.logger ?? silentLogger;

  const sameBrowserEnv =
    (options.sameBrowser ?? deps.sameBrowser?.onByDefault) ? deps.sameBrowser : undefined;
  if (options.sameBrowser === true && deps.sameBrowser === undefined) {
    throw new RoomOptionsError(
      'invalid joinRoom options: sameBrowser: this environment has no BroadcastChannel',
    );
  }
  const storage = options.storage === null ? undefined : (options.storage ?? deps.storage);
  const identityStore = new IdentityStore(options.room, storage, {
    key: options.key === undefined ? undefined : memberKeyFromSecret(options.key),
    claims: deps.claims,
  });
  let made: ReturnType<IdentityStore['next']> | undefined;
  const makeIdentity = () => {
    made ??= identityStore.next();
    return made;
  };
  // The socket first: its connection runs in the browser's network process while this thread makes
  // the key (a new tab's first Ed25519 use builds noble's table); the key is read when the server's
  // challenge is answered.
  const signaling = deps.createSignaling({
    url: options.signaling,
    room: options.room,
    get key() {
      makeIdentity();
      return identityStore.key;
    },
    token: options.token,
  });
  logger.debug('room: signaling created');
  const identity = makeIdentity();
  logger.debug('room: identity ready', { addr: identity.addr });
  let mesh: Mesh;
  let sameBrowser: SameBrowserMesh | undefined;
  try {
    mesh = deps.createMesh({
      self: identity.addr,
      swimSrcAddr,
      server: signaling,
      iceServers: options.iceServers,
      ...(options.iceTransportPolicy === undefined ? {} : { iceTransportPolicy: options.iceTransportPolicy }),
      maxPacketSize: options.config.maxPacketSize,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      identity: { key: identityStore.key, room: options.room, verify: deps.verifySignature },
      logger,
      rng,
      clock,
    });
    if (sameBrowserEnv !== undefined) {
      const { openChannel } = sameBrowserEnv;
      mesh = sameBrowser = new SameBrowserMesh({
        self: identity.addr,
        swimSrcAddr,
        room: options.room,
        openChannel,
        remote: mesh,
        maxPacketSize: options.config.maxPacketSize,
        rng,
        logger,
        clock,
      });
    }
  } catch (e) {
    signaling.close();
    identityStore.release();
    throw e;
  }

  logger.debug('room: mesh created');
  // Signed statements (DESIGN.md §9): the core signs its own and checks others'; the metadata store
  // takes an item only signed by its owner. Both bound to this room.
  const statements = options.signedStatements ? statementAuth(identityStore.key, options.room) : undefined;
  const metadataAuth = options.signedStatements
    ? statementAuth(identityStore.key, options.room, METADATA_LABEL)
    : undefined;
  const changedMetadata = new Set<string>();
  let host: SwimHost<MetadataKey> | undefined;
  let selfMetadata: SelfMetadata<M> | undefined;
  const metadataStore = new MetadataStore(
    (addr) => changedMetadata.add(addr),
    isGoneMember((addr) => host?.member(addr)),
    {
      generationOf: (addr) => host?.member(addr)?.id.generation,
      selfAddr: identity.addr,
      onForgedSelf: () => selfMetadata?.reassert(),
      maxPending: options.limits.maxPendingMetadata,
      ...(metadataAuth === undefined ? {} : { auth: metadataAuth }),
    },
  );
  // A full mesh while the room fits the link budget (less a reserve for joiners' first links);
  // past it, K rings over the view (DESIGN §8).
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const topology = new OverlayTopology({
    self: identity.addr,
    rings: ringsForBudget(maxConnections),
    maxLinks: maxConnections - linkReserve(maxConnections),
    isLinked: (addr) => host?.reachable(addr) ?? false,
  });
  host = new SwimHost<MetadataKey>({
    identity,
    config: options.config,
    mesh,
    rng,
    broadcastHandler: metadataStore,
    clock,
    logger,
    topology,
    linkBudget: maxConnections,
    bounds: swimBounds(options.limits),
    antiEntropy: options.antiEntropy,
    ...(statements === undefined ? {} : { statements }),
  });
  logger.debug('room: host created');
  // A tab of this browser, heard without the server: ask it to let us in, as a server-given peer.
  sameBrowser?.on('peer-open', (addr) => {
    if (sameBrowser.isSameBrowser(addr) && host.member(addr) === undefined) host.announce(addr);
  });
  const bootstrap = new Bootstrapper<MetadataKey>({ host, mesh, signaling, clock, logger });
  selfMetadata = new SelfMetadata(options.metadata, host, mesh, clock, metadataAuth?.sign);
  return new Room<M>({
    name: options.room,
    host,
    mesh,
    signaling,
    bootstrap,
    identityStore,
    metadataStore,
    appLimits: options.limits,
    selfMetadata,
    table: new MemberTable<M>(metadataStore),
    changedMetadata,
    clock,
    logger,
    attachLifecycle: deps.attachLifecycle,
  });
}
