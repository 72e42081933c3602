import { ConfigError } from '@shop/shared/config';
import { PieceFailedError, PrerequisiteError } from '../native/stack.ts';

/** Runs a stack command; known failures print as plain lines (no stack trace) and exit 1. */
export async function runCli(command: () => Promise<void>): Promise<void> {
  try {
    await command();
  } catch (err) {
    if (err instanceof PrerequisiteError) {
      console.error('missing prerequisites:');
      for (const line of err.missing) console.error(`  - ${line}`);
    } else if (err instanceof PieceFailedError) {
      console.error(`\n${err.message}\n--- last lines of ${err.logPath} ---\n${err.logTail}\n---`);
    } else if (err instanceof ConfigError) {
      console.error(err.message);
    } else {
      console.error(err instanceof Error ? err.message : String(err));
    }
    process.exitCode = 1;
  }
}
