export * from './schemas.ts';
export * from './envelope.ts';
export * from './limits.ts';
export { parseInstant, isAcceptedInstant } from './instant.ts';
