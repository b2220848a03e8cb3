import { prepareTestEnvironment } from './postgres.js';

/** Runs once before all test files: checks PostgreSQL (required in CI) and warms the PGlite template. */
export default async function setup(): Promise<void> {
  await prepareTestEnvironment();
}
