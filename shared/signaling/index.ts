export type * from './events';
export * from './limits';
export * from './member-key';
export * from './schemas';
