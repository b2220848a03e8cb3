import type { Command } from 'commander';
import { faultKinds, faultRoutes } from '../../simulator/fault.js';
import { parseFaultSpec } from '../../simulator/fault-spec.js';
import { startSimulator } from '../../simulator/simulator.js';
import { parseIntOption, parseMsOption } from '../options.js';
import { untilSignal } from '../signals.js';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Run a fake OpenAI / Anthropic / Gemini / Keepa API that misbehaves on purpose.')
    .option('-p, --port <port>', 'port to listen on (0 for any free port)', parseIntOption, 9090)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-f, --faults <spec>', 'faults active from the start (see below)')
    .option('-s, --seed <n>', 'seed of answers, embeddings and probabilistic faults', parseIntOption, 1)
    .option(
      '--chunk-delay <duration>',
      'pause between stream chunks, e.g. 20ms (default: none)',
      parseMsOption,
    )
    .option('--keepa-capacity <tokens>', 'Keepa token bucket size', parseIntOption, 300)
    .option('--keepa-refill <tokens>', 'Keepa tokens added per refill', parseIntOption, 20)
    .option('--keepa-every <duration>', 'Keepa refill interval (default: 60s)', parseMsOption)
    .option('--keepa-cost <tokens>', 'Keepa tokens charged per ASIN', parseIntOption, 1)
    .option('--json', 'print the listening address as JSON')
    .addHelpText(
      'after',
      `
Faults: rule[,rule…] where rule = target:fault[:mode]
  target  provider[/route][@apiKey]   provider: openai | anthropic | gemini | keepa | *
          routes: ${Object.entries(faultRoutes)
            .map(([provider, routes]) => `${provider} ${routes.join('|')}`)
            .join(', ')}
  fault
${faultKinds.map((k) => `    ${k.name.padEnd(55)} ${k.help}`).join('\n')}
  mode    always (default) | 0.1 (probability, seeded) | next3 (the next 3 requests)
          | window=10s-40s (requests arriving in that span after start)

Examples:
  holdfast simulate --port 9090 --faults "openai:429:0.1,gemini:daily-quota" --seed 1
  holdfast simulate --faults "anthropic/messages:529:next3,*:latency=50ms-300ms:0.5"

Point your application at it:
  OPENAI_BASE_URL=http://127.0.0.1:9090/v1   ANTHROPIC_BASE_URL=http://127.0.0.1:9090
  Gemini: httpOptions.baseUrl = http://127.0.0.1:9090   Keepa: GET http://127.0.0.1:9090/product?key=…&asin=…

Control at run time:
  GET/POST/DELETE /_sim/faults   GET /_sim/requests   POST /_sim/reset   POST /_sim/config {"chunkDelayMs":20}`,
    )
    .action(async (options: SimulateOptions) => {
      const sim = await startSimulator({
        port: options.port,
        host: options.host,
        seed: options.seed,
        // Parsed here so that a bad rule is reported against the flag the user typed.
        faults: options.faults === undefined ? undefined : parseFaultSpec(options.faults, '--faults'),
        chunkDelayMs: options.chunkDelay ?? 0,
        keepa: {
          capacity: options.keepaCapacity,
          refillAmount: options.keepaRefill,
          refillEveryMs: options.keepaEvery ?? 60_000,
          costPerAsin: options.keepaCost,
        },
      });
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ url: sim.url, port: sim.port, seed: options.seed, faults: sim.faults.list() })}\n`,
        );
      } else {
        process.stdout.write(
          [
            `Holdfast simulator listening on ${sim.url} (seed ${options.seed})`,
            `  OpenAI     ${sim.url}/v1`,
            `  Anthropic  ${sim.url}`,
            `  Gemini     ${sim.url}/v1beta`,
            `  Keepa      ${sim.url}/product?key=…&asin=…`,
            `  Faults     ${options.faults ?? 'none'} (change them at ${sim.url}/_sim/faults)`,
            '  Press Ctrl+C to stop.',
            '',
          ].join('\n'),
        );
      }
      const signal = await untilSignal();
      await sim.close();
      if (!options.json) process.stdout.write(`Stopped (${signal}).\n`);
    });
}

interface SimulateOptions {
  port: number;
  host: string;
  faults?: string;
  seed: number;
  chunkDelay?: number;
  keepaCapacity: number;
  keepaRefill: number;
  keepaEvery?: number;
  keepaCost: number;
  json?: boolean;
}
