export * from './lifecycle.ts';
export * from './store.ts';
