import { type Fault, type FaultMode, type FaultRule, type ProviderName, providerNames } from './fault.js';

/**
 * Parses the compact fault syntax of `holdfast simulate --faults` and of POST /_sim/faults:
 *
 *   rule[,rule…]    rule = target:fault[:mode]
 *   target = provider[/route][@apiKey]      provider = openai | anthropic | gemini | keepa | *
 *   fault  = 429 | 429=2s | quota | daily-quota | 500 | 529 | overloaded | latency=200ms | hang | …
 *   mode   = always (default) | 0.1 (probability) | next3 | window=10s-40s
 *
 * Examples: `openai:429:0.1`, `gemini:daily-quota`, `anthropic/messages:529:next3`,
 * `openai@sk-bad:401`, `*:latency=50ms-300ms:0.5`, `gemini:429=53s:window=0s-60s`.
 */
export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(parseRule);
}

function parseRule(text: string): FaultRule {
  const fail = (why: string) => new RangeError(`invalid fault '${text}': ${why}`);
  const parts = text.split(':');
  if (parts.length < 2) throw fail('expected target:fault[:mode], e.g. openai:429:0.1');
  const [targetText, ...rest] = parts as [string, ...string[]];
  // 'latency=exp:200ms' contains a colon of its own.
  let faultText = rest[0]!;
  let modeText = rest.slice(1).join(':');
  if (faultText === 'latency=exp' && rest[1] !== undefined) {
    faultText = `latency=exp:${rest[1]}`;
    modeText = rest.slice(2).join(':');
  }
  const target = parseTarget(targetText, fail);
  const fault = parseFault(faultText, fail);
  const mode = modeText === '' ? undefined : parseMode(modeText, fail);
  return { ...target, fault, ...(mode ? { mode } : {}) };
}

function parseTarget(
  text: string,
  fail: (why: string) => Error,
): Pick<FaultRule, 'provider' | 'route' | 'apiKey'> {
  const at = text.indexOf('@');
  const apiKey = at >= 0 ? text.slice(at + 1) : undefined;
  const [provider, route] = (at >= 0 ? text.slice(0, at) : text).split('/');
  if (provider !== '*' && !providerNames.includes(provider as ProviderName)) {
    throw fail(`unknown provider '${provider}' (one of ${providerNames.join(', ')}, or *)`);
  }
  return {
    ...(provider === '*' ? {} : { provider: provider as ProviderName }),
    ...(route ? { route } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

export function parseFault(text: string, fail: (why: string) => Error): Fault {
  const [name, param] = text.split('=', 2) as [string, string | undefined];
  switch (name) {
    case 'latency': {
      if (!param)
        throw fail('latency needs a duration: latency=200ms, latency=50ms-300ms or latency=exp:200ms');
      if (param.startsWith('exp:')) return { kind: 'latency', mean: ms(param.slice(4), fail) };
      const range = param.split('-');
      if (range.length === 2) return { kind: 'latency', min: ms(range[0]!, fail), max: ms(range[1]!, fail) };
      return { kind: 'latency', ms: ms(param, fail) };
    }
    case 'hang':
    case 'quota':
    case 'daily-quota':
    case 'reset':
    case 'malformed':
    case 'stall':
    case 'break':
    case 'stream-error':
      return { kind: name };
    case '429':
    case 'rate-limit':
      return param ? { kind: 'rate-limit', retryAfterMs: ms(param, fail) } : { kind: 'rate-limit' };
    case 'overloaded':
      return { kind: 'status', status: 529 };
    default: {
      const status = Number(name);
      if (Number.isInteger(status) && status >= 400 && status <= 599) return { kind: 'status', status };
      throw fail(`unknown fault '${name}' (see holdfast simulate --help)`);
    }
  }
}

function parseMode(text: string, fail: (why: string) => Error): FaultMode {
  if (text === 'always') return { kind: 'always' };
  const next = /^(?:next|x)(\d+)$/.exec(text);
  if (next) return { kind: 'next', n: Number(next[1]) };
  if (text.startsWith('window=')) {
    const [from, to] = text.slice(7).split('-');
    if (from === undefined || to === undefined) throw fail('window needs FROM-TO, e.g. window=10s-40s');
    const fromMs = ms(from, fail);
    const toMs = ms(to, fail);
    if (toMs <= fromMs) throw fail('window must end after it starts');
    return { kind: 'window', fromMs, toMs };
  }
  const p = Number(text);
  if (Number.isFinite(p) && p >= 0 && p <= 1) return { kind: 'probability', p };
  throw fail(`unknown mode '${text}' (a probability 0–1, nextN, window=FROM-TO or always)`);
}

function ms(text: string, fail: (why: string) => Error): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw fail(`'${text}' is not a duration (e.g. 250ms, 1.5s, 2m)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}
