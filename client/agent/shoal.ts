#!/usr/bin/env node
/**
 * `npx shoal join --signaling URL --room R [--name N]`: a headless member (bots, always-on peers).
 * Prints members joining and leaving live: a table redrawn on a terminal, JSON lines when piped.
 * Ctrl-C (SIGINT) or SIGTERM leaves gracefully: the others see a leave, not a crash.
 */
import { Command } from 'commander';
import type { Room } from '../node';
import { jsonLinesView, type MembersView, tableView } from './members-view';

interface JoinFlags {
  signaling: string;
  room: string;
  name?: string;
  json?: boolean;
}

async function join(flags: JoinFlags): Promise<void> {
  // `@roamhq/wrtc` is an optional peer of the package: say what to install instead of a stack trace.
  const { joinRoom } = await import('../node').catch((error: unknown) => {
    process.stderr.write(
      `shoal: cannot load Node's WebRTC (${String(error)}).\nInstall it beside shoal: npm install @roamhq/wrtc\n`,
    );
    process.exit(2);
  });
  const metadata = flags.name === undefined ? {} : { name: flags.name };
  let room: Room;
  try {
    room = joinRoom({ signaling: flags.signaling, room: flags.room, metadata });
  } catch (error) {
    process.stderr.write(`shoal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const write = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const view: MembersView =
    process.stdout.isTTY && flags.json !== true ? tableView(write, flags.room) : jsonLinesView(write);
  const members = () => (room.status === 'lost' ? [] : room.members());

  view.show({ event: 'self', member: room.self }, members());
  room.on('status', (status) => view.show({ event: 'status', status }, members()));
  room.on('join', (member) => view.show({ event: 'join', member }, members()));
  room.on('leave', (member) => view.show({ event: 'leave', member }, members()));
  // A member's metadata (its name) usually arrives just after its join.
  room.on('update', (member) => {
    if (!member.self) view.show({ event: 'update', member }, members());
  });
  room.on('error', (error) => process.stderr.write(`shoal: ${error.message}\n`));

  let leaving = false;
  const leave = (signal: NodeJS.Signals) => {
    if (leaving) process.exit(130); // A second Ctrl-C: stop waiting for the goodbye.
    leaving = true;
    room.leave().then(
      () => {
        view.show({ event: 'left' }, []);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`shoal: leave failed on ${signal}: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', leave);
  process.on('SIGTERM', leave);
}

const program = new Command('shoal').description(
  'Shoal: SWIM membership for browser tabs, from the command line',
);
program
  .command('join')
  .description('join a room as a headless member and print who joins and leaves')
  .requiredOption('--signaling <url>', 'the signaling server (http(s):// or ws(s)://)')
  .requiredOption('--room <room>', 'the room to join')
  .option('--name <name>', 'our name, as metadata { name }')
  .option('--json', 'JSON lines even on a terminal')
  .action((flags: JoinFlags) => join(flags));

await program.parseAsync(process.argv);
