import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HoldfastError, hasCode } from '../src/errors/holdfast-error.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { ProviderClient } from '../src/providers/provider-client.js';
import { createProviders } from '../src/providers/provider-registry.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { fast, requests } from './support/providers.js';

/**
 * Holdfast reads the variables the official SDKs read, so the README's
 * `OPENAI_BASE_URL=http://127.0.0.1:9090/v1 node app.js` reaches the simulator through Holdfast too.
 */
let sim: Simulator;
let other: Simulator;
const clients: ProviderClient[] = [];
beforeAll(async () => {
  sim = await startSimulator({ seed: 3 });
  other = await startSimulator({ seed: 4 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  vi.unstubAllEnvs();
  sim.reset();
  other.reset();
});
afterAll(async () => {
  await sim.close();
  await other.close();
});

function providers(options: Parameters<typeof createProviders>[0], env: Record<string, string>) {
  const made = createProviders(options, { env });
  clients.push(...made.values());
  return made;
}

/** The error a call throws (fails the test if it throws nothing). */
function thrown(fn: () => unknown): HoldfastError {
  try {
    fn();
  } catch (error) {
    return error as HoldfastError;
  }
  throw new Error('expected a throw');
}

/** The simulator's view of the last request: where it went and which key it carried. */
const last = (s: Simulator) => s.requests().log.at(-1);

describe('providers read the official SDKs’ environment variables', () => {
  it('OPENAI_BASE_URL (written with /v1, as for the SDK) and OPENAI_API_KEY', async () => {
    const openai = providers(
      { openai: { kind: 'openai', ...fast } },
      { OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'sk-from-env' },
    ).get('openai')!;
    expect(openai.config.sources).toEqual({ baseUrl: 'OPENAI_BASE_URL', apiKey: 'OPENAI_API_KEY' });
    const res = await openai.request(requests.chat);
    expect(res.status).toBe(200);
    expect(last(sim)).toMatchObject({ provider: 'openai', path: '/v1/chat/completions', key: '-env' });
  });

  it('ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY', async () => {
    const anthropic = providers(
      { anthropic: { kind: 'anthropic', ...fast } },
      { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: 'sk-ant-envk' },
    ).get('anthropic')!;
    await anthropic.request(requests.messages);
    expect(last(sim)).toMatchObject({
      provider: 'anthropic',
      path: '/v1/messages',
      key: 'envk',
      status: 200,
    });
  });

  it('GOOGLE_GEMINI_BASE_URL, and GOOGLE_API_KEY before GEMINI_API_KEY as @google/genai does', async () => {
    const env = { GOOGLE_GEMINI_BASE_URL: sim.url, GEMINI_API_KEY: 'gem-key1' };
    await providers({ gemini: { kind: 'gemini', ...fast } }, env)
      .get('gemini')!
      .request(requests.generate);
    expect(last(sim)).toMatchObject({ provider: 'gemini', key: 'key1', status: 200 });
    await providers({ gemini: { kind: 'gemini', ...fast } }, { ...env, GOOGLE_API_KEY: 'goo-key2' })
      .get('gemini')!
      .request(requests.generate);
    expect(last(sim)).toMatchObject({ key: 'key2' });
  });

  it('options given in code win over the environment', async () => {
    const env = { OPENAI_BASE_URL: `${sim.url}/v1`, OPENAI_API_KEY: 'sk-from-env' };
    const openai = providers(
      { openai: { kind: 'openai', baseUrl: other.url, apiKey: 'sk-in-code', ...fast } },
      env,
    ).get('openai')!;
    expect(openai.config.sources).toEqual({ baseUrl: 'options', apiKey: 'options' });
    await openai.request(requests.chat);
    expect(sim.requests().total).toBe(0);
    expect(last(other)).toMatchObject({ provider: 'openai', key: 'code' });
  });

  it('the same base URL works with or without its version segment', async () => {
    for (const baseUrl of [sim.url, `${sim.url}/v1`, `${sim.url}/v1/`]) {
      const openai = providers({ openai: { kind: 'openai', baseUrl, apiKey: 'k', ...fast } }, {}).get(
        'openai',
      )!;
      expect((await openai.request(requests.chat)).status).toBe(200);
      expect(last(sim)?.path).toBe('/v1/chat/completions');
    }
  });
});

describe('a provider that needs a key and has none is refused at construction', () => {
  it('names the option and the variables, in English and French', () => {
    const error = thrown(() => createProviders({ openai: { kind: 'openai' } }, { env: {} }));
    expect(hasCode(error, 'CONFIG_INVALID')).toBe(true);
    expect(error.details).toMatchObject({ option: 'providers.openai.apiKey' });
    expect(error.message).toBe(
      'Invalid configuration: providers.openai.apiKey is missing: openai needs an API key; pass `apiKey`, or set OPENAI_API_KEY',
    );
    expect(error.recommendations('fr')[0]).toContain('OPENAI_API_KEY');
    for (const [kind, variable] of [
      ['anthropic', 'ANTHROPIC_API_KEY'],
      ['gemini', 'GOOGLE_API_KEY or GEMINI_API_KEY'],
    ] as const)
      expect(thrown(() => createProviders({ p: { kind } }, { env: {} })).message).toContain(variable);
    // An empty key, or one of blanks in the environment, is no key.
    expect(
      hasCode(
        thrown(() => createProviders({ p: { kind: 'openai', apiKey: '' } }, { env: {} })),
        'CONFIG_INVALID',
      ),
    ).toBe(true);
    expect(
      hasCode(
        thrown(() => createProviders({ p: { kind: 'openai' } }, { env: { OPENAI_API_KEY: '  ' } })),
        'CONFIG_INVALID',
      ),
    ).toBe(true);
    // A generic API needs one only when it says where the key goes.
    expect(() => createProviders({ p: { kind: 'http', baseUrl: sim.url } }, { env: {} })).not.toThrow();
    expect(
      thrown(() =>
        createProviders({ p: { kind: 'http', baseUrl: sim.url, auth: { query: 'key' } } }, { env: {} }),
      ).details,
    ).toMatchObject({ option: 'providers.p.apiKey' });
  });

  it('refuses a base URL from the environment that is not one, naming the variable', () => {
    const error = thrown(() =>
      createProviders(
        { openai: { kind: 'openai' } },
        { env: { OPENAI_BASE_URL: 'localhost:9090', OPENAI_API_KEY: 'k' } },
      ),
    );
    expect(error.details).toMatchObject({ option: 'providers.openai.baseUrl', source: 'OPENAI_BASE_URL' });
    expect(error.recommendations('en')[0]).toContain('in OPENAI_BASE_URL');
  });

  it('createHoldfast refuses it before anything starts', () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const error = thrown(() =>
      createHoldfast({ database: 'memory://', pipelines: [], providers: { openai: { kind: 'openai' } } }),
    );
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { option: 'providers.openai.apiKey' } });
  });
});
