import type { ErrorCode } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import { formatter } from './format.js';
import { capitalise, frenchNoun, theNoun } from './french-nouns.js';

type Messages = { [C in ErrorCode]: (d: ErrorDetailsMap[C]) => string };

const f = formatter('fr');

const services: Record<string, string> = { server: 'le serveur', simulator: 'le simulateur' };

const brokers: Record<'nats' | 'rabbitmq', string> = { nats: 'NATS', rabbitmq: 'RabbitMQ' };

/** The operations a broker may refuse, as the bus names them. */
const busOperations: Record<string, string> = {
  connect: 'se connecter',
  'create stream': 'créer le flux',
  'create consumer': 'créer le consommateur',
  'declare queue': 'déclarer la file',
  publish: 'publier',
};

/**
 * The one-line message of each code in French, for a reader who asked for French (the CLI's
 * `--lang fr`, an API's Accept-Language). Stored errors keep the English message of messages.ts.
 */
export const frenchMessages: Messages = {
  PROVIDER_TIMEOUT: (d) =>
    d.phase === 'deadline'
      ? `Appel à ${d.provider} interrompu : l'échéance de l'appelant est passée au bout de ${f.dur(d.elapsedMs ?? d.timeoutMs)}`
      : `${d.provider} n'a pas répondu à temps (délai de ${phase[d.phase]} de ${f.dur(d.timeoutMs)})`,
  PROVIDER_RATE_LIMITED: (d) =>
    d.beyondDeadline
      ? `Limite de débit de ${d.provider} : il demande d'attendre ${f.dur(d.retryAfterMs)}, mais il ne restait que ${f.dur(d.remainingMs)} avant l'échéance`
      : `Limite de débit de ${d.provider} atteinte${d.retryAfterMs === undefined ? '' : ` ; nouvel essai possible dans ${f.dur(d.retryAfterMs)}`}`,
  PROVIDER_QUOTA_EXHAUSTED: (d) =>
    `Quota ou crédit de ${d.provider} épuisé${d.providerCode ? ` (${d.providerCode})` : ''}${d.quotaId ? ` (${d.quotaId})` : ''}`,
  PROVIDER_OVERLOADED: (d) =>
    d.bulkhead
      ? `Trop d'appels simultanés à ${d.provider} : la limite de ${f.num(d.bulkhead.concurrency)} est atteinte`
      : `${d.provider} est surchargé (HTTP ${d.status ?? '?'})`,
  PROVIDER_ERROR: (d) =>
    `${d.provider} a échoué avec HTTP ${d.status ?? '?'}${d.providerMessage ? ` : « ${d.providerMessage} »` : ''}`,
  PROVIDER_REJECTED: (d) =>
    `${d.provider} a refusé la requête (HTTP ${d.status ?? '?'})${d.providerMessage ? ` : « ${d.providerMessage} »` : ''}`,
  PROVIDER_UNREACHABLE: (d) =>
    `${d.provider} est injoignable${d.host ? ` à l'adresse ${d.host}` : ''}${d.errno ? ` (${d.errno})` : ''}`,
  CIRCUIT_OPEN: (d) =>
    `Les appels à ${d.provider} sont suspendus (disjoncteur ouvert) pendant ${f.dur(d.retryAfterMs)}`,
  STEP_TIMEOUT: (d) =>
    `L'étape « ${d.step} » a dépassé son délai de ${f.dur(d.timeoutMs)}${d.progress ? ` à ${f.progress(d.progress)}` : ''}`,
  JOB_TIMEOUT: (d) =>
    d.wouldWaitMs === undefined
      ? `Le job a dépassé son échéance de ${f.dur(d.timeoutMs)}${d.step ? ` pendant l'étape « ${d.step} »` : ''}${d.progress ? ` à ${f.progress(d.progress)}` : ''}`
      : `Le job ne peut pas être relancé avant son échéance de ${f.dur(d.timeoutMs)} : il faudrait attendre ${f.dur(d.wouldWaitMs)}`,
  STEP_FAILED: (d) => (d.step ? `L'étape « ${d.step} » a échoué` : "L'étape a échoué"),
  QUOTA_EXCEEDED: (d) =>
    `Budget ${d.meter} (${period(d.period)}) de ${d.scope} dépassé : il reste ${f.num(d.balance)}, il en faut ${f.num(d.required)}`,
  INSUFFICIENT_TOKENS: (d) =>
    `Pas assez de ${d.meter} pour ${d.scope} : solde ${f.num(d.balance)}, il en faut ${f.num(d.required)}`,
  JOB_TOO_EXPENSIVE: (d) =>
    `Job estimé à ${f.num(d.estimate)} ${d.meter}, au-delà du plafond de ${f.num(d.cap)} du pipeline « ${d.pipeline} »`,
  BUDGET_EXCEEDED: (d) =>
    `Le job dépasserait son plafond de ${f.num(d.cap)} ${d.meter} (consommé ${f.num(d.used)}, demandé ${f.num(d.requested)})`,
  ROLLBACK_FAILED: (d) => `La compensation a échoué${d.step ? ` pour l'étape « ${d.step} »` : ''}`,
  VALIDATION_ERROR: (d) =>
    `${subjects[d.subject ?? 'input'] ?? `Valeur invalide (« ${d.subject} »)`}${d.field ? ` : champ \`${d.field}\`` : ''}`,
  NOT_FOUND: (d) => `${capitalise(frenchNoun(d.kind).one)} introuvable : « ${d.id} »`,
  AMBIGUOUS_ID: (d) =>
    `« ${d.prefix} » est le début de plusieurs identifiants de ${d.kind === 'job' ? 'jobs' : d.kind}`,
  CONFLICT: (d) =>
    `${theNoun(d.kind)} « ${d.id} » est ${d.state ? `à l'état « ${d.state} »` : 'dans un autre état'}`,
  IDEMPOTENCY_CONFLICT: (d) =>
    `La clé d'idempotence « ${d.key} » a déjà servi pour le job ${d.existingJobId}, avec une autre entrée`,
  CANCELLED: (d) => `Annulé${d.reason ? ` (motif : « ${d.reason} »)` : ''}`,
  LEASE_LOST: (d) => `Bail du job ${d.jobId} perdu : ses écritures ont été refusées`,
  STORE_LOCKED: (d) =>
    `Le répertoire de données ${d.dataDir} est utilisé par un autre processus${d.pid ? ` (pid ${d.pid})` : ''}`,
  DATABASE_UNAVAILABLE: (d) =>
    `La base de données est indisponible (${databaseReasons[d.reason]}${d.sqlState ? `, SQLSTATE ${d.sqlState}` : d.errno ? `, ${d.errno}` : ''}) : ${d.database}`,
  DATABASE_NOT_FOUND: (d) => `La base « ${d.name} » n'existe pas sur ${d.database}`,
  DATABASE_AUTH_FAILED: (d) =>
    `La base de données a refusé les identifiants${d.user ? ` de l'utilisateur « ${d.user} »` : ''} : ${d.database}`,
  SCHEMA_NOT_MIGRATED: (d) =>
    d.current === null
      ? `${d.database} ne contient pas le schéma de Holdfast`
      : `${d.database} a le schéma Holdfast ${d.current}, cette version a besoin de ${d.expected}`,
  DATA_DIR_INVALID: (d) =>
    `Impossible d'utiliser ${d.path} comme répertoire de données (${dataDirReasons[d.reason]}${d.errno ? `, ${d.errno}` : ''})`,
  STORE_UNWRITABLE: (d) =>
    `La base embarquée de ${d.path} ne peut plus écrire (${storeReasons[d.reason]}${d.errno ? `, ${d.errno}` : ''})`,
  SQL_ERROR: (d) =>
    `Erreur SQL ${d.sqlState}${d.step ? ` dans l'étape « ${d.step} »` : ''}${d.table ? ` sur ${d.table}` : ''}${d.constraint ? ` (contrainte ${d.constraint})` : ''}`,
  CONFIG_INVALID: (d) => `Configuration invalide : ${d.option}`,
  PORT_IN_USE: (d) =>
    `${d.host}:${d.port} est déjà utilisé : ${services[d.service] ?? d.service} ne peut pas y écouter`,
  UNAUTHORIZED: (d) =>
    d.reason === 'missing'
      ? "Une clé d'API est nécessaire"
      : `La clé d'API ou le jeton est ${unauthorized[d.reason]}`,
  FORBIDDEN: (d) => `Action non autorisée${d.actionFr ? ` : ${d.actionFr}` : ` (« ${d.action} »)`}`,
  PAYLOAD_TOO_LARGE: (d) => `Le corps de la requête dépasse ${f.num(d.limitBytes)} octets`,
  UNSUPPORTED_MEDIA_TYPE: (d) =>
    `Le type de contenu « ${d.contentType} » n'est pas accepté ; envoyez ${d.expected.join(' ou ')}`,
  SHUTTING_DOWN: () => "Ce processus Holdfast est en cours d'arrêt",
  BUS_UNREACHABLE: (d) =>
    `Le courtier ${brokers[d.broker]} à ${d.url} est injoignable${d.errno ? ` (${d.errno})` : d.reason ? ` (« ${d.reason} »)` : ''}`,
  BUS_REFUSED: (d) =>
    `Le courtier ${brokers[d.broker]} à ${d.url} a refusé de ${busOperations[d.operation] ?? `faire « ${d.operation} »`}${d.name ? ` « ${d.name} »` : ''}${d.brokerMessage ? ` : « ${d.brokerMessage} »` : ''}`,
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
  INTERNAL: (d) => `Erreur interne${d.reason ? ` (« ${d.reason} »)` : ''}`,
};

const phase = {
  connect: 'connexion',
  headers: 'réception des en-têtes',
  body: 'lecture du corps',
  deadline: 'échéance',
};

const databaseReasons: Record<ErrorDetailsMap['DATABASE_UNAVAILABLE']['reason'], string> = {
  refused: 'connexion refusée',
  reset: 'connexion réinitialisée',
  terminated: 'connexion coupée par le serveur',
  timeout: 'délai dépassé',
  unreachable: 'serveur injoignable',
  'shutting-down': "serveur en cours d'arrêt",
  'too-many-connections': 'trop de connexions',
  closed: 'connexion fermée',
};

const dataDirReasons: Record<ErrorDetailsMap['DATA_DIR_INVALID']['reason'], string> = {
  'not-a-directory': "ce n'est pas un répertoire",
  'cannot-create': 'création impossible',
  'not-writable': 'écriture interdite',
  'special-filesystem': 'système de fichiers spécial',
};

const storeReasons: Record<ErrorDetailsMap['STORE_UNWRITABLE']['reason'], string> = {
  'disk-full': 'disque plein',
  'read-only': 'lecture seule',
  'io-error': "erreur d'entrée-sortie",
};

const unauthorized: Record<string, string> = {
  invalid: 'invalide',
  expired: 'expiré',
  revoked: 'révoqué',
  malformed: 'mal formé',
};

const subjects: Record<string, string> = {
  input: 'Entrée invalide',
  filter: 'Filtre invalide',
  'submit options': 'Options de soumission invalides',
  request: 'Requête invalide',
  key: 'Clé invalide',
  'WebSocket message': 'Message WebSocket invalide',
};

function period(p: string): string {
  return p === 'day' ? 'journalier' : p === 'month' ? 'mensuel' : p === 'none' ? 'sans période' : p;
}
