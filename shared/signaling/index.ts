export type * from './events';
export * from './limits';
export * from './schemas';
