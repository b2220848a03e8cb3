import { type BusIngress, startBusIngress } from '../bus/bus-ingress.js';
import { type BusOptions, resolveBusOptions } from '../bus/bus-options.js';
import { createRuntime, type Holdfast, type RuntimeOptions } from '../runtime/holdfast.js';
import { internalsOf, registerInternals } from '../runtime/internals.js';

/** Everything createHoldfast takes: the runtime's options, and the parts built on it. */
export interface HoldfastOptions extends RuntimeOptions {
  /**
   * Jobs from a message broker (NATS JetStream or RabbitMQ): consumed while this instance runs
   * (`hf.start()`, `holdfast start`, `holdfast worker`). See the README's "Jobs from a message bus".
   */
  readonly bus?: BusOptions;
}

/**
 * The library's front door: the runtime (pipelines, jobs, workers, budgets, providers) and, when
 * configured, what runs beside its workers — the bus ingress. Returns at once; the database is
 * opened on first use (or `ready()`); bad options of any part fail here, before anything starts.
 *
 * It lives above the runtime because it composes layers the runtime may not import (the bus is
 * L4, the runtime L3): `start`, `stop` and `close` start and stop them in the right order — the
 * ingress after the workers are up, and before they stop.
 */
export function createHoldfast(options: HoldfastOptions): Holdfast {
  const { bus, ...runtimeOptions } = options;
  const runtime = createRuntime(runtimeOptions);
  if (bus !== undefined) resolveBusOptions(bus, new Set(options.pipelines.map((p) => p.name)));
  let ingress: BusIngress | undefined;
  let starting: Promise<void> | undefined;

  const stopIngress = async (graceMs?: number) => {
    await starting?.catch(() => {});
    const running = ingress;
    ingress = undefined;
    starting = undefined;
    await running?.stop(graceMs === undefined ? {} : { graceMs });
  };

  const hf: Holdfast = {
    ...runtime,
    async start() {
      await runtime.start();
      if (bus === undefined || starting !== undefined) return;
      starting = (async () => {
        ingress = await startBusIngress(runtime, bus);
      })();
      try {
        await starting;
      } catch (error) {
        starting = undefined;
        throw error;
      }
    },
    async stop(stopOptions = {}) {
      // Messages in hand are submitted (or given back) while the workers still run.
      await stopIngress(stopOptions.graceMs);
      await runtime.stop(stopOptions);
    },
    async close() {
      await stopIngress(0);
      await runtime.close();
    },
  };
  registerInternals(hf, internalsOf(runtime));
  return hf;
}
