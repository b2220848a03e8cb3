/** A worker process for the multi-process runs of bench/runtime.ts: waits for "go" on stdin. */
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { benchPipelines } from './runtime-pipelines.js';

const [database, concurrency] = process.argv.slice(2) as [string, string];
const hf = createHoldfast({
  database,
  pipelines: benchPipelines,
  worker: { concurrency: Number(concurrency) },
});
await hf.ready();
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void hf.start();
});
process.on('SIGTERM', () => {
  void hf.close().then(() => process.exit(0));
});
