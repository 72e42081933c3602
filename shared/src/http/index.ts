export * from './errors.ts';
export * from './json-body.ts';
export * from './server.ts';
export * from './timeouts.ts';
export * from './health.ts';
export * from './params.ts';
