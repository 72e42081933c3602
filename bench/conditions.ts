import { devStackConfig, STACK_SETTINGS, type StackConfig, type StackSetting } from '../infra/src/stack-config.ts';
import { COMPOSE_SECRETS } from '../infra/src/secrets.ts';

/** One setting where the bench stack differs from what `npm start` ships. */
export interface SettingDifference {
  setting: string;
  bench: string;
  shipped: string;
}

/** Under what conditions the run measured: the stack's settings and the run's plan. */
export interface Conditions {
  /** Every setting of the bench stack that differs from `npm start`'s defaults (ports, names, folders). */
  differences: SettingDifference[];
  /** The durability and logging settings the stack ran with, each as `npm start` ships it. */
  asShipped: { setting: string; value: string }[];
  /** Windows per figure, and each freshness window's length. */
  repetitions: number;
  windowSeconds: number;
  idleSeconds: number;
  liveCpuRate: number;
  burstEvents: number;
  throughputSeconds: number;
  /** Orders sent before anything is measured (absent from runs recorded before it was set). */
  warmUp?: { rate: number; seconds: number };
}

/**
 * Settings an isolated stack may change from what `npm start` ships: where it listens, what its
 * databases, slot, exchange and queues are called, where it keeps its files, which broker node and
 * JDK it uses. Anything else must be as shipped, or the bench measures something users do not run.
 */
const PLACEMENT =
  /(_PORT|_NAME)$|^(EVENTS_EXCHANGE|PROJECTOR_QUEUE|NOTIFIER_QUEUE|PROJECTOR_URLS|DEBEZIUM_SLOT|DEBEZIUM_PUBLICATION|DEBEZIUM_TOPIC_PREFIX|STACK_DIR|RABBITMQ_PRIVATE_NODE|DEBEZIUM_JAVA_HOME)$/;

/**
 * The settings compared: all but the secrets, which each stack generates for itself (they are no
 * condition of a run, and must never reach the page or the results file).
 */
const COMPARED = STACK_SETTINGS.filter((key) => !(COMPOSE_SECRETS as readonly string[]).includes(key));

/** Settings the page names as shipped: durability, logging, and the pipeline's own pace. */
const STATED: StackSetting[] = [
  'PG_FSYNC',
  'LOG_LEVEL',
  'DEBEZIUM_HEARTBEAT_MS',
  'DEBEZIUM_POLL_INTERVAL_MS',
  'PROJECTOR_PREFETCH',
  'PROJECTOR_BATCH_SIZE',
];

/** What `npm start` runs with no `.env` and no environment: the shipped defaults. */
export const shippedStackConfig = (): StackConfig => devStackConfig({}, '/nonexistent/.env');

/**
 * Every setting where `stack` differs from `shipped`, those a stack may place differently
 * (ports, names, folders) apart from the rest (`unexpected`: the bench refuses to run with any). Pure.
 */
export function againstShipped(stack: StackConfig, shipped: StackConfig) {
  const text = (config: StackConfig, key: StackSetting) => config.settingText[key] ?? '(unset)';
  const differences: SettingDifference[] = COMPARED.filter((key) => text(stack, key) !== text(shipped, key)).map((key) => ({
    setting: key,
    bench: text(stack, key),
    shipped: text(shipped, key),
  }));
  return {
    differences: differences.filter((d) => PLACEMENT.test(d.setting)),
    unexpected: differences.filter((d) => !PLACEMENT.test(d.setting)),
    asShipped: STATED.map((key) => ({ setting: key, value: text(stack, key) })),
  };
}

/** The page's conditions for this stack and plan; throws if the stack does not run as shipped. */
export function conditionsOf(
  stack: StackConfig,
  plan: Omit<Conditions, 'differences' | 'asShipped'>,
  allowed: string[] = [],
): Conditions {
  const { differences, unexpected, asShipped } = againstShipped(stack, shippedStackConfig());
  const refused = unexpected.filter((d) => !allowed.includes(d.setting));
  if (refused.length > 0)
    throw new Error(
      `the bench stack must run with the settings npm start ships; it differs in ${refused.map((d) => `${d.setting} (${d.bench}, shipped ${d.shipped})`).join(', ')}`,
    );
  return { differences: [...differences, ...unexpected], asShipped, ...plan };
}
