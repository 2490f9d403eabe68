import type { RoomStatus } from './room-events';

/** What the room's status is computed from, read fresh at each change. */
export interface StatusInputs {
  /** `leave()` was called, or the room is closed. */
  readonly leaving: boolean;
  /** We were declared Down and cannot rejoin. */
  readonly fatal: boolean;
  /** The server refused us for good. */
  readonly refused: boolean;
  /** The core knows at least one active member. */
  readonly active: boolean;
  /** The server currently has us in the room. */
  readonly serverJoined: boolean;
}

/**
 * The room's connection status as a small state machine:
 *
 * | inputs                                         | status                        |
 * |------------------------------------------------|-------------------------------|
 * | leaving, fatal, or refused by the server        | `lost`                        |
 * | active, or the server has us                   | `connected`                   |
 * | neither, never connected yet                   | `connecting`                  |
 * | neither, connected before                      | `reconnecting`                |
 */
export class StatusMachine {
  private status: RoomStatus = 'connecting';
  private everConnected = false;

  get current(): RoomStatus {
    return this.status;
  }

  /** Moves to the status `inputs` call for; returns it when it changed, else `undefined`. */
  update(inputs: StatusInputs): RoomStatus | undefined {
    let next: RoomStatus;
    // A refusal is final even with members around: the room's owner said no (issue 11's stale token).
    if (inputs.leaving || inputs.fatal || inputs.refused) next = 'lost';
    else if (inputs.active || inputs.serverJoined) next = 'connected';
    else next = this.everConnected ? 'reconnecting' : 'connecting';
    if (next === 'connected') this.everConnected = true;
    if (next === this.status) return undefined;
    this.status = next;
    return next;
  }
}
