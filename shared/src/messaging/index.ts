export * from './topology.ts';
export * from './dead-letters.ts';
export * from './broker-users.ts';
