export * from './high-water-mark.ts';
