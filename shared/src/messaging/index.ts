export * from './topology.ts';
export * from './dead-letters.ts';
export * from './broker-users.ts';
export * from './connect.ts';
