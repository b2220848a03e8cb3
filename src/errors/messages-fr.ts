import type { ErrorCode } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import { formatter } from './format.js';
import { defaultMessage } from './messages.js';
import type { Locale } from './recommendations.js';

type Messages = { [C in ErrorCode]: (d: ErrorDetailsMap[C]) => string };

const f = formatter('fr');

/**
 * The one-line message of each code in French, for answers to people who asked for French
 * (the HTTP API's `Accept-Language: fr`, the CLI's `--lang fr`). Errors keep their English
 * message in logs and in stored jobs; this is applied when an error is shown.
 */
const messages: Messages = {
  PROVIDER_TIMEOUT: (d) =>
    d.phase === 'deadline'
      ? `Appel à ${d.provider} interrompu : l'échéance de l'appelant est passée après ${f.dur(d.elapsedMs ?? d.timeoutMs)}`
      : `${d.provider} n'a pas répondu à temps (délai ${d.phase} de ${f.dur(d.timeoutMs)})`,
  PROVIDER_RATE_LIMITED: (d) =>
    d.beyondDeadline
      ? `Limite de débit de ${d.provider} : attente demandée de ${f.dur(d.retryAfterMs)}, mais il ne restait que ${f.dur(d.remainingMs)} avant l'échéance`
      : `Limite de débit de ${d.provider} atteinte${d.retryAfterMs === undefined ? '' : ` ; nouvel essai dans ${f.dur(d.retryAfterMs)}`}`,
  PROVIDER_QUOTA_EXHAUSTED: (d) =>
    `Quota ou crédit de ${d.provider} épuisé${d.providerCode ? ` (${d.providerCode})` : ''}${d.quotaId ? ` (${d.quotaId})` : ''}`,
  PROVIDER_OVERLOADED: (d) => `${d.provider} est surchargé (HTTP ${d.status ?? '?'})`,
  PROVIDER_ERROR: (d) =>
    `${d.provider} a échoué avec HTTP ${d.status ?? '?'}${d.providerMessage ? ` : ${d.providerMessage}` : ''}`,
  PROVIDER_REJECTED: (d) =>
    `${d.provider} a refusé la requête (HTTP ${d.status ?? '?'})${d.providerMessage ? ` : ${d.providerMessage}` : ''}`,
  PROVIDER_UNREACHABLE: (d) =>
    `${d.provider} est injoignable${d.host ? ` à ${d.host}` : ''}${d.errno ? ` (${d.errno})` : ''}`,
  CIRCUIT_OPEN: (d) =>
    `Les appels à ${d.provider} sont suspendus (disjoncteur ouvert) pendant ${f.dur(d.retryAfterMs)}`,
  STEP_TIMEOUT: (d) =>
    `L'étape « ${d.step} » a dépassé son délai de ${f.dur(d.timeoutMs)}${d.progress ? ` à ${f.progress(d.progress)}` : ''}`,
  JOB_TIMEOUT: (d) =>
    d.wouldWaitMs === undefined
      ? `Le job a dépassé son échéance de ${f.dur(d.timeoutMs)}${d.step ? ` pendant l'étape « ${d.step} »` : ''}${d.progress ? ` à ${f.progress(d.progress)}` : ''}`
      : `Le job ne peut pas être relancé avant son échéance de ${f.dur(d.timeoutMs)} : il faudrait attendre ${f.dur(d.wouldWaitMs)}`,
  STEP_FAILED: (d) => (d.step ? `L'étape « ${d.step} » a échoué` : `L'étape a échoué`),
  QUOTA_EXCEEDED: (d) =>
    `Budget ${d.meter} (${periodFr(d.period)}) de ${d.scope} dépassé : il reste ${f.num(d.balance)}, il faut ${f.num(d.required)}`,
  INSUFFICIENT_TOKENS: (d) =>
    `Solde ${d.meter} insuffisant pour ${d.scope} : ${f.num(d.balance)} disponibles, ${f.num(d.required)} nécessaires`,
  JOB_TOO_EXPENSIVE: (d) =>
    `Job estimé à ${f.num(d.estimate)} ${d.meter}, au-delà du plafond de ${f.num(d.cap)} du pipeline « ${d.pipeline} »`,
  BUDGET_EXCEEDED: (d) =>
    `Le job dépasserait son plafond ${d.meter} de ${f.num(d.cap)} (${f.num(d.used)} utilisés, ${f.num(d.requested)} demandés)`,
  ROLLBACK_FAILED: (d) => `La compensation a échoué${d.step ? ` pour l'étape « ${d.step} »` : ''}`,
  VALIDATION_ERROR: (d) =>
    `Donnée invalide${d.field ? ` dans « ${d.field} »` : ''} : ${d.issues[0]?.message ?? 'valeur invalide'}`,
  NOT_FOUND: (d) => `Introuvable : ${kindFr(d.kind)} « ${d.id} »`,
  AMBIGUOUS_ID: (d) =>
    `« ${d.prefix} » correspond à ${d.more ? 'plus de ' : ''}${d.matches.length} identifiants ; tapez-en davantage`,
  CONFLICT: (d) => `${kindFr(d.kind)} « ${d.id} » : état ${d.state ?? 'incompatible'}`,
  IDEMPOTENCY_CONFLICT: (d) =>
    `La clé d'idempotence « ${d.key} » a déjà servi pour le job ${d.existingJobId}, avec une autre entrée`,
  CANCELLED: (d) => `Annulé${d.reason ? ` : ${d.reason}` : ''}`,
  LEASE_LOST: (d) => `Bail du job ${d.jobId} perdu ; ses écritures ont été refusées`,
  STORE_LOCKED: (d) =>
    `Le répertoire de données ${d.dataDir} est utilisé par un autre processus${d.pid ? ` (pid ${d.pid})` : ''}`,
  DATABASE_UNAVAILABLE: (d) =>
    `La base de données est indisponible (${reasonFr[d.reason]}${d.sqlState ? `, SQLSTATE ${d.sqlState}` : d.errno ? `, ${d.errno}` : ''}) : ${d.database}`,
  DATABASE_NOT_FOUND: (d) => `La base « ${d.name} » n'existe pas sur ${d.database}`,
  DATABASE_AUTH_FAILED: (d) =>
    `La base de données a refusé les identifiants${d.user ? ` de l'utilisateur « ${d.user} »` : ''} : ${d.database}`,
  SCHEMA_NOT_MIGRATED: (d) =>
    d.current === null
      ? `${d.database} n'a pas de schéma Holdfast`
      : `${d.database} a le schéma Holdfast ${d.current}, cette version demande ${d.expected}`,
  DATA_DIR_INVALID: (d) => `Impossible d'utiliser ${d.path} comme répertoire de données`,
  STORE_UNWRITABLE: (d) => `La base embarquée à ${d.path} ne peut pas écrire`,
  SQL_ERROR: (d) =>
    `Erreur SQL ${d.sqlState}${d.step ? ` dans l'étape « ${d.step} »` : ''}${d.table ? ` sur ${d.table}` : ''}${d.constraint ? ` (contrainte ${d.constraint})` : ''}`,
  CONFIG_INVALID: (d) => `Configuration invalide : ${d.option} ${d.problemFr ?? d.problem}`,
  PORT_IN_USE: (d) => `${d.host}:${d.port} est déjà utilisé ; impossible d'y écouter`,
  UNAUTHORIZED: (d) =>
    d.reason === 'missing'
      ? `Une clé d'API est nécessaire`
      : d.reason === 'expired'
        ? `Ce jeton a expiré`
        : d.reason === 'revoked'
          ? `Cette clé d'API a été révoquée`
          : d.reason === 'malformed'
            ? `L'en-tête Authorization doit être « Bearer <clé> »`
            : `Cette clé d'API ou ce jeton n'est pas valide`,
  FORBIDDEN: (d) =>
    `Action non autorisée : ${d.action}${d.role ? ` (clé ${d.role === 'tenant' ? 'de locataire' : d.role === 'job' ? 'de suivi de job' : d.role})` : ''}`,
  PAYLOAD_TOO_LARGE: (d) => `Le corps de la requête dépasse ${f.num(d.limitBytes)} octets`,
  UNSUPPORTED_MEDIA_TYPE: (d) =>
    `Le type de contenu « ${d.contentType} » n'est pas accepté ; envoyez ${d.expected.join(' ou ')}`,
  SHUTTING_DOWN: () => `Ce processus Holdfast est en cours d'arrêt`,
  SESSION_EXPIRED: (d) =>
    d.reason === 'expired'
      ? `Votre session du tableau de bord a expiré`
      : d.reason === 'revoked'
        ? `Votre session du tableau de bord a pris fin : la clé qui l'a ouverte a été révoquée ou remplacée`
        : `Cette session du tableau de bord est inconnue du serveur`,
  SIGN_IN_LINK_INVALID: (d) =>
    d.reason === 'used'
      ? `Ce lien de connexion a déjà servi : il ne fonctionne qu'une fois`
      : d.reason === 'expired'
        ? `Ce lien de connexion a expiré`
        : `Ce lien de connexion n'est pas valide`,
  CSRF_REJECTED: (d) =>
    d.reason === 'origin'
      ? `Requête refusée : envoyée depuis un autre site (${d.origin ?? 'origine inconnue'}) avec la session du tableau de bord`
      : d.reason === 'missing'
        ? `La requête porte le cookie de session mais pas son en-tête X-CSRF-Token`
        : `L'en-tête X-CSRF-Token de la requête ne correspond pas à sa session`,
  INTERNAL: () => `Erreur interne`,
};

const reasonFr: Record<ErrorDetailsMap['DATABASE_UNAVAILABLE']['reason'], string> = {
  refused: 'connexion refusée',
  reset: 'connexion réinitialisée',
  terminated: 'connexion interrompue',
  timeout: 'délai dépassé',
  unreachable: 'hôte injoignable',
  'shutting-down': 'arrêt en cours',
  'too-many-connections': 'trop de connexions',
  closed: 'connexion fermée',
};

const kinds: Record<string, string> = {
  job: 'job',
  pipeline: 'pipeline',
  route: 'route',
  key: 'clé',
  account: 'compte',
  period: 'période',
  tenant: 'locataire',
};

function kindFr(kind: string): string {
  return kinds[kind] ?? kind;
}

function periodFr(period: string): string {
  return period === 'day'
    ? 'jour'
    : period === 'month'
      ? 'mois'
      : period === 'none'
        ? 'sans période'
        : period;
}

/**
 * The message to show for an error in `locale`. A message the thrower wrote itself (a provider's
 * text, a step's own error) stays as written; a catalogue message is given in the locale.
 */
export function localizedMessage<C extends ErrorCode>(
  error: { readonly code: C; readonly details: ErrorDetailsMap[C]; readonly message: string },
  locale: Locale,
): string {
  if (locale === 'en') return error.message;
  let english: string;
  try {
    english = defaultMessage(error.code, error.details);
  } catch {
    return error.message;
  }
  if (english !== error.message) return error.message;
  return (messages[error.code] as (d: ErrorDetailsMap[C]) => string)(error.details);
}

/** The French catalogue message of a code (for tests of the catalogue itself). */
export function frenchMessage<C extends ErrorCode>(code: C, details: ErrorDetailsMap[C]): string {
  return (messages[code] as (d: ErrorDetailsMap[C]) => string)(details);
}
