export * from './schemas.ts';
export * from './envelope.ts';
export { foreignCurrency, upcast, type EventReader } from './upcast.ts';
export * from './limits.ts';
export { parseInstant, isAcceptedInstant } from './instant.ts';
