import type { RoomMember, RoomStatus } from '../node';

/** What the agent prints: a membership change, a status change, or its own departure. */
export type AgentEvent =
  | { readonly event: 'join' | 'leave' | 'update'; readonly member: RoomMember }
  | { readonly event: 'status'; readonly status: RoomStatus }
  | { readonly event: 'self'; readonly member: RoomMember }
  | { readonly event: 'left' };

export interface MembersView {
  show(event: AgentEvent, members: readonly RoomMember[]): void;
}

const nameOf = (m: RoomMember): string | undefined => {
  const name = m.metadata?.name;
  return typeof name === 'string' ? name : undefined;
};

/** One JSON object per line, for pipes and scripts: `{"event":"join","id":…,"name":…,"at":…}`. */
export function jsonLinesView(write: (line: string) => void): MembersView {
  return {
    show(event) {
      const at = Date.now();
      if (event.event === 'status') write(JSON.stringify({ event: 'status', status: event.status, at }));
      else if (event.event === 'left') write(JSON.stringify({ event: 'left', at }));
      else {
        const m = event.member;
        write(
          JSON.stringify({
            event: event.event,
            id: m.id,
            generation: m.generation,
            name: nameOf(m),
            state: m.state,
            metadata: m.metadata,
            at,
          }),
        );
      }
    },
  };
}

/** A table of the members, redrawn in place on each change, with the last event under it. */
export function tableView(write: (text: string) => void, room: string): MembersView {
  let status: RoomStatus = 'connecting';
  return {
    show(event, members) {
      if (event.event === 'status') status = event.status;
      const rows = members.map((m) => [
        m.self ? '*' : ' ',
        m.id.slice(0, 8),
        nameOf(m) ?? '',
        m.state,
        String(m.generation),
        new Date(m.since).toISOString().slice(11, 19),
      ]);
      const head = [' ', 'id', 'name', 'state', 'gen', 'since'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      const last =
        event.event === 'join' || event.event === 'leave'
          ? `${event.event}: ${nameOf(event.member) ?? event.member.id.slice(0, 8)}`
          : event.event;
      // Home the cursor and clear the screen, then draw the whole table again.
      write(
        `\x1b[H\x1b[2J room ${room} · ${status} · ${members.length} member(s)\n\n${line(head)}\n${rows
          .map(line)
          .join('\n')}\n\n last: ${last}\n (Ctrl-C leaves)\n`,
      );
    },
  };
}
