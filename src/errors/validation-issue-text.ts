import type { Formatter } from './format.js';
import type { ValidationIssue } from './validation-issue.js';

/** Problems written out one per line in recommendations; the rest are counted. */
export const shownIssues = 3;

/** The first problems as sentences (a validation error always has at least one line). */
export function issueLines(issues: readonly ValidationIssue[], f: Formatter): string[] {
  if (issues.length === 0)
    return [
      f.locale === 'fr' ? "Corrigez la valeur : elle n'est pas valide." : 'Fix the value: it is not valid.',
    ];
  return issues.slice(0, shownIssues).map((issue) => issueSentence(issue, f));
}

/**
 * One validation problem as a sentence telling what to fix. English uses the validator's message
 * (zod's, or the schema author's). French is written from the problem's description, so no
 * validator's English leaks into it; only a custom refinement's own text is quoted, since its
 * author chose its words (and often its language).
 */
export function issueSentence(issue: ValidationIssue, f: Formatter): string {
  return f.locale === 'fr' ? frenchSentence(issue, f) : englishSentence(issue);
}

function englishSentence(issue: ValidationIssue): string {
  const message = issue.message.replace(/[.\s]+$/, '');
  return `Fix ${issue.path ? `\`${issue.path}\`` : 'the value'}: ${message}.`;
}

function frenchSentence(issue: ValidationIssue, f: Formatter): string {
  const field = issue.path ? `le champ \`${issue.path}\`` : "l'entrée";
  if (
    issue.code === 'invalid_type' &&
    (issue.received === 'undefined' || issue.received === undefined) &&
    issue.expected !== 'never'
  )
    return issue.path
      ? `Renseignez le champ \`${issue.path}\` : il est obligatoire.`
      : `Fournissez une entrée : elle est obligatoire.`;
  const clause = issue.messageFr ?? frenchClause(issue, f);
  return `Corrigez ${field} : ${clause}.`;
}

const types: Record<string, string> = {
  string: 'une chaîne de caractères',
  number: 'un nombre',
  int: 'un nombre entier',
  boolean: 'un booléen (true ou false)',
  bigint: 'un grand entier',
  symbol: 'un symbole',
  null: 'null',
  undefined: 'aucune valeur',
  date: 'une date',
  array: 'une liste',
  tuple: 'une liste',
  object: 'un objet',
  record: 'un objet',
  map: 'une Map',
  set: 'un Set',
  file: 'un fichier',
  nan: 'NaN',
  function: 'une fonction',
};

const formats: Record<string, string> = {
  email: 'une adresse e-mail valide',
  url: 'une URL valide (par exemple https://exemple.fr/document.pdf)',
  uuid: 'un UUID',
  guid: 'un GUID',
  datetime: 'une date et heure ISO 8601 (par exemple 2026-11-22T08:30:00Z)',
  date: 'une date ISO 8601 (AAAA-MM-JJ)',
  time: 'une heure ISO 8601 (HH:MM:SS)',
  duration: 'une durée ISO 8601 (par exemple PT5M)',
  ipv4: 'une adresse IPv4',
  ipv6: 'une adresse IPv6',
  cidrv4: 'une plage d’adresses IPv4',
  cidrv6: 'une plage d’adresses IPv6',
  base64: 'du texte encodé en base64',
  base64url: 'du texte encodé en base64url',
  emoji: 'un émoji',
  jwt: 'un jeton JWT',
  e164: 'un numéro de téléphone au format E.164 (par exemple +33612345678)',
  json_string: 'du texte JSON valide',
};

/** How many of what a length bound counts: characters, items, bytes. */
function counted(origin: string | undefined, n: number | undefined, f: Formatter): string | undefined {
  const plural = (one: string, many: string) => `${f.num(n)} ${n === 1 ? one : many}`;
  switch (origin) {
    case 'string':
      return plural('caractère', 'caractères');
    case 'array':
    case 'set':
      return plural('élément', 'éléments');
    case 'file':
      return plural('octet', 'octets');
    default:
      return undefined;
  }
}

function quoted(values: readonly string[] | undefined): string {
  return (values ?? []).map((v) => `« ${v.replace(/^"(.*)"$/, '$1')} »`).join(', ');
}

function frenchClause(issue: ValidationIssue, f: Formatter): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'never') return "ce champ n'est pas attendu";
      return `${types[issue.expected ?? ''] ?? `une valeur de type ${issue.expected}`} est attendu${feminine(issue.expected) ? 'e' : ''}, pas ${types[issue.received ?? ''] ?? issue.received}`;
    case 'too_small': {
      const count = counted(issue.origin, issue.minimum, f);
      if (count !== undefined) {
        if (issue.minimum === 1 && issue.origin === 'string') return 'la valeur ne doit pas être vide';
        if (issue.minimum === 1) return 'la liste ne doit pas être vide';
        return `il faut au moins ${count}`;
      }
      if (issue.origin === 'date')
        return `la date doit être ${issue.inclusive ? 'au plus tôt le' : 'postérieure au'} ${isoDate(issue.minimum)}`;
      if (issue.minimum === 0 && !issue.inclusive) return 'la valeur doit être strictement positive';
      return `la valeur doit être ${issue.inclusive ? 'supérieure ou égale à' : 'strictement supérieure à'} ${f.num(issue.minimum)}`;
    }
    case 'too_big': {
      const count = counted(issue.origin, issue.maximum, f);
      if (count !== undefined) return `il faut au plus ${count}`;
      if (issue.origin === 'date')
        return `la date doit être ${issue.inclusive ? 'au plus tard le' : 'antérieure au'} ${isoDate(issue.maximum)}`;
      if (issue.maximum === 0 && !issue.inclusive) return 'la valeur doit être strictement négative';
      return `la valeur doit être ${issue.inclusive ? 'inférieure ou égale à' : 'strictement inférieure à'} ${f.num(issue.maximum)}`;
    }
    case 'invalid_format':
      switch (issue.format) {
        case 'regex':
          return `la valeur doit correspondre au motif ${issue.pattern ?? 'imposé'}`;
        case 'starts_with':
          return `la valeur doit commencer par « ${issue.prefix} »`;
        case 'ends_with':
          return `la valeur doit se terminer par « ${issue.suffix} »`;
        case 'includes':
          return `la valeur doit contenir « ${issue.includes} »`;
        case 'lowercase':
          return 'la valeur doit être en minuscules';
        case 'uppercase':
          return 'la valeur doit être en majuscules';
        default:
          return `${formats[issue.format ?? ''] ?? `une valeur au format ${issue.format}`} est attendue`;
      }
    case 'not_multiple_of':
      return `la valeur doit être un multiple de ${f.num(issue.divisor)}`;
    case 'unrecognized_keys':
      return (issue.keys?.length ?? 0) > 1
        ? `les champs ${quoted(issue.keys)} ne sont pas attendus : retirez-les`
        : `le champ ${quoted(issue.keys)} n'est pas attendu : retirez-le`;
    case 'invalid_value':
      return (issue.values?.length ?? 0) === 1
        ? `la seule valeur acceptée est ${quoted(issue.values)}`
        : `la valeur doit être l'une de celles-ci : ${quoted(issue.values)}`;
    case 'invalid_union':
      return 'la valeur ne correspond à aucune des formes acceptées';
    case 'invalid_key':
      return "une des clés n'est pas valide";
    case 'invalid_element':
      return "un des éléments n'est pas valide";
    case 'custom':
      // The schema author's own words, quoted as they wrote them.
      return `la règle du schéma n'est pas respectée : « ${issue.message} »`;
    default:
      return `la valeur n'est pas valide (message du validateur : « ${issue.message} »)`;
  }
}

function feminine(type: string | undefined): boolean {
  return (types[type ?? ''] ?? '').startsWith('une ');
}

function isoDate(ms: number | undefined): string {
  return ms === undefined ? '?' : new Date(ms).toISOString().slice(0, 10);
}
