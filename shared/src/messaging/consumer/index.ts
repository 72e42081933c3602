// The consumer of the shard queues (connections, one single-active consumer per shard, the
// settlement protocol, the routing watch): every component that consumes the events exchange by
// shard uses it, the projector and the notifier alike.
export * from './connection-state.ts';
export * from './consumer.ts';
export * from './queue-depth.ts';
export * from './routing-watch.ts';
export * from './settlement-plan.ts';
export * from './shard-consumer.ts';
export * from './shard-health.ts';
export * from './verdict.ts';
