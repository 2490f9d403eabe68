/** The browser's simple-peer: the prebuilt bundle, with the page's own WebRTC. */
import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { SimplePeerConstructor, SimplePeerRuntime } from './simple-peer-types';

export const simplePeerRuntime: SimplePeerRuntime = {
  SimplePeer: SimplePeer as unknown as SimplePeerConstructor,
};
