/** Node's simple-peer: the package itself, with WebRTC from `@roamhq/wrtc`. */
import wrtc from '@roamhq/wrtc';
import SimplePeer from 'simple-peer';
import type { SimplePeerConstructor, SimplePeerRuntime } from './simple-peer-types';

export const simplePeerRuntime: SimplePeerRuntime = {
  SimplePeer: SimplePeer as unknown as SimplePeerConstructor,
  wrtc,
};
