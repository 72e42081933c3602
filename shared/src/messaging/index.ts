export * from './topology.ts';
export * from './dead-letters.ts';
