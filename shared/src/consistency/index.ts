export * from './token.ts';
export * from './identity.ts';
