export { DEFAULT_RINGS, type RingNeighbours, RingOverlay, type RingOverlayInit } from './overlay';
export { compareSlots, MAX_RINGS, ringPosition, ringPositions } from './ring-position';
