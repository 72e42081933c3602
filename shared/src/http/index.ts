export * from './errors.ts';
export * from './server.ts';
export * from './health.ts';
export * from './params.ts';
