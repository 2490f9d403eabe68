export type * from './events';
export * from './limits';
export * from './member-key';
export * from './schemas';
export * from './signed-signal';
export * from './statement-auth';
export * from './token-bucket';
