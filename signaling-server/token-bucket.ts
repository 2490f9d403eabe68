/** The token bucket lives in shared/signaling (the mesh limits relayed signals with it too). */
export { type Clock, TokenBucket } from '../shared/signaling/token-bucket';
