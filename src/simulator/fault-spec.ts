import { configError } from '../errors/config-error.js';
import type { HoldfastError } from '../errors/holdfast-error.js';
import {
  type Fault,
  type FaultMode,
  type FaultRule,
  faultKindNames,
  faultRoutes,
  faultStatuses,
  type ProviderName,
  providerNames,
} from './fault.js';

type Fail = (problem: readonly [english: string, french: string]) => HoldfastError;

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
 *
 * A rule that could never fire (an unknown provider or route, a status no provider answers with)
 * is refused with CONFIG_INVALID naming `option` and listing what is valid, never ignored.
 */
export function parseFaultSpec(spec: string, option = 'faults'): FaultRule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((text) => parseRule(text, option));
}

/** Checks a rule given as an object (POST /_sim/faults with JSON rules, `faults` as an array). */
export function checkFaultRule(rule: FaultRule, option = 'faults'): FaultRule {
  const fail: Fail = ([english, french]) =>
    configError(
      option,
      [`has an invalid fault rule: ${english}`, `contient une règle de panne invalide — ${french}`],
      JSON.stringify(rule),
    );
  if (rule.fault === null || typeof rule.fault !== 'object' || !faultKindNames.includes(rule.fault.kind))
    throw fail([
      `fault.kind must be one of ${faultKindNames.join(', ')}`,
      `fault.kind doit valoir l'un de ${faultKindNames.join(', ')}`,
    ]);
  if (rule.provider !== undefined && !providerNames.includes(rule.provider))
    throw fail(unknownProvider(rule.provider));
  if (rule.route !== undefined) checkRoute(rule.provider, rule.route, fail);
  if (rule.fault?.kind === 'status') checkStatus(rule.fault.status, fail);
  const mode = rule.mode;
  if (mode?.kind === 'probability' && !(mode.p >= 0 && mode.p <= 1))
    throw fail(['a probability must be between 0 and 1', 'une probabilité doit être comprise entre 0 et 1']);
  if (mode?.kind === 'next' && !(Number.isInteger(mode.n) && mode.n >= 0))
    throw fail(['next needs a whole number', 'next demande un nombre entier']);
  return rule;
}

function parseRule(text: string, option: string): FaultRule {
  const fail: Fail = ([english, french]) =>
    configError(option, [
      `has an invalid fault '${text}': ${english}`,
      `contient une règle invalide, « ${text} » — ${french}`,
    ]);
  const parts = text.split(':');
  if (parts.length < 2)
    throw fail([
      'expected target:fault[:mode], e.g. openai:429:0.1',
      'la forme attendue est cible:panne[:mode], par exemple openai:429:0.1',
    ]);
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

function parseTarget(text: string, fail: Fail): Pick<FaultRule, 'provider' | 'route' | 'apiKey'> {
  const at = text.indexOf('@');
  const apiKey = at >= 0 ? text.slice(at + 1) : undefined;
  const [provider, route] = (at >= 0 ? text.slice(0, at) : text).split('/') as [string, string | undefined];
  if (provider !== '*' && !providerNames.includes(provider as ProviderName))
    throw fail(unknownProvider(provider));
  const name = provider === '*' ? undefined : (provider as ProviderName);
  if (route !== undefined) checkRoute(name, route, fail);
  return {
    ...(name === undefined ? {} : { provider: name }),
    ...(route ? { route } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

function unknownProvider(provider: string): readonly [string, string] {
  const list = `${providerNames.join(', ')}, or *`;
  return [
    `unknown provider '${provider}' (one of ${list})`,
    `le fournisseur « ${provider} » n'existe pas (fournisseurs : ${providerNames.join(', ')}, ou *)`,
  ];
}

function checkRoute(provider: ProviderName | undefined, route: string, fail: Fail): void {
  const routes =
    provider === undefined ? [...new Set(Object.values(faultRoutes).flat())] : faultRoutes[provider];
  if (routes.includes(route)) return;
  const whose = provider ?? 'any provider';
  throw fail([
    `unknown route '${route}' for ${whose} (one of ${routes.join(', ')})`,
    `la route « ${route} » n'existe pas pour ${provider ?? 'aucun fournisseur'} (routes : ${routes.join(', ')})`,
  ]);
}

function checkStatus(status: number, fail: Fail): void {
  if (faultStatuses.includes(status)) return;
  const list = `${faultStatuses.join(', ')}, or 429 / rate-limit`;
  throw fail([
    `unsupported status ${status} (one of ${list})`,
    `le statut ${status} n'est pas simulé (statuts : ${faultStatuses.join(', ')}, ou 429 / rate-limit)`,
  ]);
}

export function parseFault(text: string, fail: Fail): Fault {
  const [name, param] = text.split('=', 2) as [string, string | undefined];
  switch (name) {
    case 'latency': {
      if (!param)
        throw fail([
          'latency needs a duration: latency=200ms, latency=50ms-300ms or latency=exp:200ms',
          'latency demande une durée : latency=200ms, latency=50ms-300ms ou latency=exp:200ms',
        ]);
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
      if (/^\d+$/.test(name)) {
        checkStatus(Number(name), fail);
        return { kind: 'status', status: Number(name) };
      }
      throw fail([
        `unknown fault '${name}' (see holdfast simulate --help)`,
        `la panne « ${name} » n'existe pas (voir holdfast simulate --help)`,
      ]);
    }
  }
}

function parseMode(text: string, fail: Fail): FaultMode {
  if (text === 'always') return { kind: 'always' };
  const next = /^(?:next|x)(\d+)$/.exec(text);
  if (next) return { kind: 'next', n: Number(next[1]) };
  if (text.startsWith('window=')) {
    const [from, to] = text.slice(7).split('-');
    if (from === undefined || to === undefined)
      throw fail([
        'window needs FROM-TO, e.g. window=10s-40s',
        'window demande DÉBUT-FIN, par exemple window=10s-40s',
      ]);
    const fromMs = ms(from, fail);
    const toMs = ms(to, fail);
    if (toMs <= fromMs)
      throw fail(['window must end after it starts', 'la fenêtre doit finir après avoir commencé']);
    return { kind: 'window', fromMs, toMs };
  }
  const p = Number(text);
  if (Number.isFinite(p) && p >= 0 && p <= 1) return { kind: 'probability', p };
  throw fail([
    `unknown mode '${text}' (a probability 0–1, nextN, window=FROM-TO or always)`,
    `le mode « ${text} » n'existe pas (une probabilité de 0 à 1, nextN, window=DÉBUT-FIN ou always)`,
  ]);
}

function ms(text: string, fail: Fail): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match)
    throw fail([
      `'${text}' is not a duration (e.g. 250ms, 1.5s, 2m)`,
      `« ${text} » n'est pas une durée (par exemple 250ms, 1.5s, 2m)`,
    ]);
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}
