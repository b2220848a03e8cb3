import { describe, expect, it } from 'vitest';
import { parseFaultSpec } from './fault-spec.js';

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
  });

  it('explains what is wrong', () => {
    expect(() => parseFaultSpec('azure:429')).toThrow(/unknown provider 'azure'/);
    expect(() => parseFaultSpec('openai:teapot')).toThrow(/unknown fault 'teapot'/);
    expect(() => parseFaultSpec('openai:429:often')).toThrow(/unknown mode 'often'/);
    expect(() => parseFaultSpec('openai')).toThrow(/expected target:fault/);
    expect(() => parseFaultSpec('openai:429:window=20s-10s')).toThrow(/must end after/);
    expect(() => parseFaultSpec('openai:latency=soon')).toThrow(/not a duration/);
  });
});
