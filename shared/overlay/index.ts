export {
  type GraphStats,
  type GraphStatsInit,
  graphStats,
  linkChangesOnJoin,
  linkChangesOnLeave,
} from './graph-stats';
export { type LinkPlan, LinkPlanner, type LinkPlannerInit, type LinkState } from './link-planner';
export { DEFAULT_RINGS, type RingNeighbours, RingOverlay, type RingOverlayInit } from './overlay';
export { RingPool, ViewFingerprint } from './ring-pool';
export { compareSlots, MAX_RINGS, RingPositionCache, ringPosition, ringPositions } from './ring-position';
export { type Route, route } from './routes';
