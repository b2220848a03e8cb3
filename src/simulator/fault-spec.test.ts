import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors/holdfast-error.js';
import { faultRoutes, faultStatuses } from './fault.js';
import { checkFaultRule, parseFaultSpec } from './fault-spec.js';

/** The error a call throws (the test fails if it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('fault spec', () => {
  it('parses targets, faults and modes', () => {
    expect(parseFaultSpec('openai:429:0.1, gemini:daily-quota')).toEqual([
      { provider: 'openai', fault: { kind: 'rate-limit' }, mode: { kind: 'probability', p: 0.1 } },
      { provider: 'gemini', fault: { kind: 'daily-quota' } },
    ]);
    expect(parseFaultSpec('anthropic/messages:529:next3')).toEqual([
      {
        provider: 'anthropic',
        route: 'messages',
        fault: { kind: 'status', status: 529 },
        mode: { kind: 'next', n: 3 },
      },
    ]);
    expect(parseFaultSpec('openai@sk-bad:401:always')).toEqual([
      {
        provider: 'openai',
        apiKey: 'sk-bad',
        fault: { kind: 'status', status: 401 },
        mode: { kind: 'always' },
      },
    ]);
    expect(parseFaultSpec('*:latency=50ms-300ms:0.5')).toEqual([
      { fault: { kind: 'latency', min: 50, max: 300 }, mode: { kind: 'probability', p: 0.5 } },
    ]);
    expect(parseFaultSpec('gemini:429=53.5s:window=10s-1m')).toEqual([
      {
        provider: 'gemini',
        fault: { kind: 'rate-limit', retryAfterMs: 53_500 },
        mode: { kind: 'window', fromMs: 10_000, toMs: 60_000 },
      },
    ]);
    expect(parseFaultSpec('openai:latency=exp:200ms:next5')).toEqual([
      { provider: 'openai', fault: { kind: 'latency', mean: 200 }, mode: { kind: 'next', n: 5 } },
    ]);
    expect(parseFaultSpec('*/count:504')).toEqual([
      { route: 'count', fault: { kind: 'status', status: 504 } },
    ]);
  });

  it('explains what is wrong, with CONFIG_INVALID', () => {
    const cases: Array<[string, RegExp]> = [
      ['azure:429', /unknown provider 'azure'/],
      ['openai:teapot', /unknown fault 'teapot'/],
      ['openai:429:often', /unknown mode 'often'/],
      ['openai', /expected target:fault/],
      ['openai:429:window=20s-10s', /must end after/],
      ['openai:latency=soon', /not a duration/],
    ];
    for (const [spec, reason] of cases) {
      const error = thrown(() => parseFaultSpec(spec, '--faults'));
      expect(hasCode(error, 'CONFIG_INVALID'), spec).toBe(true);
      expect((error as Error).message, spec).toMatch(reason);
      expect((error as Error).message, spec).toContain('--faults');
    }
  });

  it('refuses an unknown route with the routes of that provider', () => {
    const error = thrown(() => parseFaultSpec('openai:429:0.1,openai/chatx:500', '--faults'));
    expect(hasCode(error, 'CONFIG_INVALID')).toBe(true);
    if (!hasCode(error, 'CONFIG_INVALID')) return;
    expect(error.details.option).toBe('--faults');
    expect(error.message).toContain(
      "unknown route 'chatx' for openai (one of chat, embeddings, responses, models)",
    );
    expect(error.recommendations('fr')[0]).toBe(
      "Corrigez l'option --faults : elle contient une règle invalide, « openai/chatx:500 » — la route « chatx » n'existe pas pour openai (routes : chat, embeddings, responses, models).",
    );
    // Without a provider, the route must exist for one of them.
    expect((thrown(() => parseFaultSpec('*/nope:hang')) as Error).message).toContain(
      `unknown route 'nope' for any provider (one of ${[...new Set(Object.values(faultRoutes).flat())].join(', ')})`,
    );
    for (const [provider, routes] of Object.entries(faultRoutes))
      for (const route of routes) expect(parseFaultSpec(`${provider}/${route}:hang`)).toHaveLength(1);
  });

  it('refuses a status no provider answers with, listing the ones it does', () => {
    for (const spec of ['openai:430', 'gemini:499:next1', 'anthropic:600', 'keepa:200']) {
      const error = thrown(() => parseFaultSpec(spec));
      expect(hasCode(error, 'CONFIG_INVALID'), spec).toBe(true);
      expect((error as Error).message, spec).toContain(
        `unsupported status ${spec.split(':')[1]} (one of ${faultStatuses.join(', ')}, or 429 / rate-limit)`,
      );
    }
    for (const status of faultStatuses) expect(parseFaultSpec(`openai:${status}`)).toHaveLength(1);
  });

  it('checks rules given as objects the same way', () => {
    expect(
      hasCode(
        thrown(() => checkFaultRule({ provider: 'openai', route: 'chatx', fault: { kind: 'hang' } })),
        'CONFIG_INVALID',
      ),
    ).toBe(true);
    expect(
      (thrown(() => checkFaultRule({ provider: 'gemini', fault: { kind: 'status', status: 430 } })) as Error)
        .message,
    ).toContain('unsupported status 430');
    expect((thrown(() => checkFaultRule({ fault: { kind: 'nope' } as never })) as Error).message).toContain(
      'fault.kind must be one of latency, hang',
    );
    expect(
      (
        thrown(() =>
          checkFaultRule({ fault: { kind: 'hang' }, mode: { kind: 'probability', p: 2 } }),
        ) as Error
      ).message,
    ).toContain('probability must be between 0 and 1');
  });
});
