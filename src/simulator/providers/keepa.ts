import { hash32, prng } from '../prng.js';
import type { ProviderModule, SimContext } from './provider.js';

export interface KeepaOptions {
  /** Tokens the bucket holds at most (default 300). */
  readonly capacity?: number;
  /** Tokens added per refill (default 20). */
  readonly refillAmount?: number;
  /** Time between refills in ms (default 60 s: Keepa quotes rates per minute). */
  readonly refillEveryMs?: number;
  /** Tokens charged per ASIN (default 1). */
  readonly costPerAsin?: number;
  /** Tokens the bucket starts with (default: full). */
  readonly initial?: number;
}

interface Bucket {
  tokens: number;
  lastRefill: number;
}

/**
 * A Keepa-like token-metered product API. Each API key has a bucket that refills by a fixed
 * amount at fixed intervals; each ASIN costs tokens; an empty bucket answers 429. Every response
 * carries `tokensLeft`, `refillIn`, `refillRate`, `tokensConsumed` and `timestamp`.
 */
export function keepa(options: KeepaOptions = {}): ProviderModule & { bucket(ctx: SimContext): Bucket } {
  const capacity = options.capacity ?? 300;
  const refillAmount = options.refillAmount ?? 20;
  const refillEveryMs = options.refillEveryMs ?? 60_000;
  const costPerAsin = options.costPerAsin ?? 1;

  const bucket = (ctx: SimContext): Bucket => {
    const b = ctx.state<Bucket>(`keepa:bucket:${ctx.request.apiKey ?? '-'}`, () => ({
      tokens: options.initial ?? capacity,
      lastRefill: ctx.now(),
    }));
    const refills = Math.floor((ctx.now() - b.lastRefill) / refillEveryMs);
    if (refills > 0) {
      b.tokens = Math.min(capacity, b.tokens + refills * refillAmount);
      b.lastRefill += refills * refillEveryMs;
    }
    return b;
  };

  const status = (ctx: SimContext, b: Bucket, consumed: number) => ({
    timestamp: ctx.now(),
    tokensLeft: b.tokens,
    refillIn: Math.max(0, b.lastRefill + refillEveryMs - ctx.now()),
    // Keepa reports the refill rate per minute.
    refillRate: Math.round((refillAmount * 60_000) / refillEveryMs),
    tokenFlowReduction: 0,
    tokensConsumed: consumed,
    processingTimeInMs: 3,
  });

  return {
    name: 'keepa',
    bucket,

    apiKey(_header, url) {
      return url.searchParams.get('key') ?? undefined;
    },

    match(method, url) {
      if (method !== 'GET') return undefined;
      if (url.pathname === '/product') return { route: 'product', stream: false, handle: product };
      if (url.pathname === '/token')
        return {
          route: 'token',
          stream: false,
          handle: (ctx) => ctx.writer.json(200, status(ctx, bucket(ctx), 0)),
        };
      return undefined;
    },

    refuse(ctx, fault) {
      const b = bucket(ctx);
      const base = status(ctx, b, 0);
      switch (fault.kind) {
        case 'no-key':
          return ctx.writer.json(400, {
            ...base,
            error: { type: 'invalidKey', message: 'Missing or invalid key.' },
          });
        case 'bad-request':
          return ctx.writer.json(400, {
            ...base,
            error: { type: 'invalidParameter', message: fault.message },
          });
        case 'rate-limit':
        case 'quota':
        case 'daily-quota':
          return ctx.writer.json(429, {
            ...base,
            tokensLeft: Math.min(0, b.tokens),
            error: { type: 'NOT_ENOUGH_TOKEN', message: 'Not enough tokens.' },
          });
        case 'status':
          return ctx.writer.json(fault.status, {
            ...base,
            error: { type: 'serverError', message: `Request failed (${fault.status})` },
          });
        default: {
          const never: never = fault;
          throw new Error(`unhandled ${JSON.stringify(never)}`);
        }
      }
    },
  };

  function product(ctx: SimContext): void {
    const asins = (ctx.request.url.searchParams.get('asin') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a.length > 0);
    const b = bucket(ctx);
    if (asins.length === 0) {
      ctx.writer.json(400, {
        ...status(ctx, b, 0),
        error: { type: 'invalidParameter', message: 'asin parameter is required' },
      });
      return;
    }
    const cost = asins.length * costPerAsin;
    if (b.tokens < cost) {
      ctx.writer.json(429, {
        ...status(ctx, b, 0),
        error: { type: 'NOT_ENOUGH_TOKEN', message: `${cost} tokens needed, ${b.tokens} left.` },
      });
      return;
    }
    b.tokens -= cost;
    ctx.model('product');
    ctx.charge({ input: cost, output: 0 });
    ctx.writer.json(200, {
      ...status(ctx, b, cost),
      products: asins.map((asin) => productOf(ctx.seed, asin)),
    });
  }
}

/** A deterministic product for an ASIN. */
function productOf(seed: number, asin: string) {
  const random = prng(hash32(asin, seed));
  const price = 500 + Math.floor(random() * 20_000);
  return {
    asin,
    domainId: 1,
    title: `Simulated product ${asin}`,
    brand: ['Acme', 'Globex', 'Initech', 'Umbrella'][Math.floor(random() * 4)],
    productGroup: 'Home',
    salesRankReference: 1055398,
    stats: {
      current: [price, price + 150, -1, 1000 + Math.floor(random() * 90_000)],
      avg30: [price + 40, price + 190, -1, 1200 + Math.floor(random() * 80_000)],
      buyBoxPrice: price,
      offerCountNew: 1 + Math.floor(random() * 30),
    },
    lastUpdate: 7_000_000,
  };
}
