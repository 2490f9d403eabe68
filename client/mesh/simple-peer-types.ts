/**
 * The slice of simple-peer the mesh uses, so the browser build, the Node build and test doubles all
 * fit one type.
 */

export interface SimplePeerOptions {
  readonly initiator: boolean;
  readonly trickle: boolean;
  readonly channelConfig: RTCDataChannelInit;
  readonly config: RTCConfiguration;
  readonly iceCompleteTimeout?: number;
  /** Node's WebRTC implementation (`@roamhq/wrtc`); browsers use their own. */
  readonly wrtc?: unknown;
}

export interface SimplePeerInstance {
  readonly connected: boolean;
  /** Set by simple-peer once `destroy` began (its 'close' comes later). */
  readonly destroyed?: boolean;
  signal(data: object): void;
  send(data: Uint8Array): void;
  destroy(): void;
  /**
   * simple-peer's own handler of its data channel's messages (9.x: `onmessage` calls it by name, then
   * it pushes the data into the peer's stream). Absent from test doubles.
   */
  _onChannelMessage?: (event: { readonly data: unknown }) => void;
  on(event: 'signal', listener: (data: object) => void): unknown;
  on(event: 'connect' | 'close', listener: () => void): unknown;
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export type SimplePeerConstructor = new (options: SimplePeerOptions) => SimplePeerInstance;

/** A simple-peer build and the WebRTC implementation it needs (none in a browser). */
export interface SimplePeerRuntime {
  readonly SimplePeer: SimplePeerConstructor;
  readonly wrtc?: unknown;
}
