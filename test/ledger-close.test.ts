import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { resolveBudgets } from '../src/ledger/budget-config.js';
import { Ledger } from '../src/ledger/ledger.js';
import { systemClock } from '../src/time/clock.js';
import { backends } from './support/backends.js';

for (const backend of backends) {
  describe.runIf(backend.available)(`ledger close on ${backend.name}`, () => {
    it('commits the movements still queued when it closes, then refuses new ones', async () => {
      const store = await backend.store();
      const bus = new EventBus(store, 'test');
      const ledger = new Ledger({
        budgets: resolveBudgets({ accounts: [{ meter: 'x:tokens', period: 'none', limit: 1000 }] }),
        clock: systemClock,
        providerKinds: new Map(),
        onError: () => {},
      });
      await ledger.attach({ store, bus, origin: 'test' });
      const cost = { provider: 'x', model: undefined, meters: { 'x:tokens': 100 } };
      // Queued, not awaited: close must not drop them.
      const pending = [ledger.gate.reserve({}, cost), ledger.gate.reserve({}, cost)];
      await ledger.close();
      const holds = await Promise.all(pending);
      expect(holds).toHaveLength(2);
      const { rows } = await store.query<{ reserved: number }>('select reserved from holdfast.accounts');
      expect(rows).toEqual([{ reserved: 200 }]);
      await expect(ledger.gate.reserve({}, cost)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    });
  });
}
