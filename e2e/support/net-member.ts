/**
 * A Node member for the lost-network test, run inside a network namespace:
 * `ip netns exec NS node --import tsx e2e/support/net-member.ts SIGNALING_URL ROOM NAME`.
 * Every 250 ms it prints one JSON line with what it sees (its id and generation, the members, its
 * links, every `leave` it saw); it leaves the room and exits on SIGTERM.
 */
import { joinRoom } from '../../client/node';

const [url, roomName, name] = process.argv.slice(2);
/** The mesh's and the runtime's debug lines go to stderr, which the test prints when a step fails. */
const log =
  (level: string) =>
  (message: string, fields?: Record<string, unknown>): void => {
    process.stderr.write(`${new Date().toISOString()} ${level} ${message} ${JSON.stringify(fields ?? {})}\n`);
  };
const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
const room = joinRoom<{ name: string }>({
  signaling: url!,
  room: roomName!,
  metadata: { name: name! },
  logger,
});
const leaves: Array<[string, number]> = [];
room.on('leave', (m) => leaves.push([m.id, m.generation]));
const timer = setInterval(() => {
  const self = room.self;
  process.stdout.write(
    `${JSON.stringify({
      id: self.id,
      generation: self.generation,
      status: room.status,
      members: room
        .members()
        .map((m) => ({ id: m.id, generation: m.generation, state: m.state, metadata: m.metadata })),
      connections: room.connections(),
      leaves,
    })}\n`,
  );
}, 250);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void room.leave().finally(() => process.exit(0));
});
