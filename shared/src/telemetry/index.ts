export * from './tracing.ts';
export * from './span-context.ts';
export * from './http-spans.ts';
export type { Tracer } from '@opentelemetry/api';
