import type { ProviderDecision } from './error-details.js';
import { billingPages, type Formatter, statusPages } from './format.js';
import { capitalise, frenchNoun, theNoun } from './french-nouns.js';
import type { Catalogue } from './recommendations.js';
import { issueLines, shownIssues } from './validation-issue-text.js';

const resumeNote =
  'Relancez le job : les étapes déjà réussies ne sont pas réexécutées, elles ne sont donc pas payées deux fois.';

/** A budget's period as an adjective: « le budget journalier ». */
function periodFr(period: string): string {
  return period === 'day'
    ? 'journalier'
    : period === 'month'
      ? 'mensuel'
      : period === 'none'
        ? 'sans période'
        : period === 'refill'
          ? 'à recharge'
          : `(${period})`;
}

/** The three undici timeouts, as a French reader names them. */
const phaseFr = {
  connect: 'ouverture de la connexion',
  headers: 'attente des en-têtes',
  body: 'lecture du corps de la réponse',
  deadline: 'échéance',
};

/** An ISO instant as a French reader writes it (« 23 novembre 2026 à 00:00 UTC »); other text as is. */
function when(value: string): string {
  const ms = /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? value : `${frenchDate.format(ms)} UTC`;
}

const frenchDate = new Intl.DateTimeFormat('fr-FR', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** What the client did about a failed call (see the English catalogue); nothing when unknown. */
function callOutcome(d: ProviderDecision, f: Formatter): string | undefined {
  const attempts = d.attempts ?? 1;
  switch (d.decision) {
    case undefined:
      return undefined;
    case 'retrying':
      return `La tentative ${f.num(attempts)} sur ${f.num(d.maxAttempts)} a échoué ; l'appel est retenté dans ${f.dur(d.waitMs)}.`;
    case 'not-retryable':
      return attempts > 1
        ? `Il n'a pas été retenté après la tentative ${f.num(attempts)} : renvoyé tel quel, il échouerait de la même façon.`
        : "Il n'a pas été retenté : renvoyé tel quel, il échouerait de la même façon.";
    case 'attempts-used':
      return d.maxAttempts === 1
        ? "Il n'a pas été retenté : ce fournisseur n'autorise qu'une tentative par appel (`retry.attempts: 1`)."
        : `Les ${f.num(attempts)} tentatives de l'appel ont toutes échoué (\`retry.attempts\` vaut ${f.num(d.maxAttempts)}).`;
    case 'beyond-deadline':
      return d.remainingMs === 0
        ? `Il n'a pas été retenté : l'échéance de l'étape ou du job était passée (après la tentative ${f.num(attempts)}).`
        : `Il n'a pas été retenté : la tentative suivante aurait commencé dans ${f.dur(d.waitMs)}, après l'échéance (il restait ${f.dur(d.remainingMs)}).`;
    case 'handed-back':
      return `L'appel s'est arrêté plutôt que d'attendre ${f.dur(d.waitMs)} : dans un pipeline, le job attend ce délai sans occuper de worker, puis reprend s'il lui reste des tentatives ; hors pipeline, refaites l'appel après ce délai.`;
    default: {
      const never: never = d.decision;
      return never;
    }
  }
}

export const french: Catalogue = {
  PROVIDER_TIMEOUT: (d, f) => [
    d.phase === 'connect'
      ? `La connexion à ${d.provider} n'a pas pu s'établir en ${f.dur(d.timeoutMs)} : vérifiez son URL de base, le DNS et tout proxy sur le chemin.`
      : d.phase === 'deadline'
        ? d.elapsedMs === undefined
          ? `L'échéance de l'étape ou du job était déjà passée : l'appel à ${d.provider} n'a pas été fait. Donnez au pipeline un \`timeout\` plus long si les étapes précédentes sont normalement lentes.`
          : `L'appel était encore en cours quand l'échéance de l'étape ou du job est arrivée ; donnez au pipeline un \`timeout\` plus long si de tels appels sont normalement lents.`
        : `${d.provider} n'a pas répondu en ${f.dur(d.timeoutMs)} (${phaseFr[d.phase]}) ; si les requêtes sont réellement volumineuses, augmentez \`timeouts.${d.phase}\` pour ce fournisseur.`,
    callOutcome(d, f),
    `Une API lente est souvent surchargée ou limitée en débit : consultez ${statusPages[d.provider] ?? `la page d'état de ${d.provider}`} et votre tableau de consommation.`,
    resumeNote,
  ],
  PROVIDER_RATE_LIMITED: (d, f) => [
    d.beyondDeadline
      ? `${d.provider} a demandé d'attendre ${f.dur(d.retryAfterMs)}, mais il ne restait que ${f.dur(d.remainingMs)} avant l'échéance : l'appel s'est arrêté aussitôt plutôt que d'attendre au-delà.`
      : `${d.provider} limite le débit de ce compte${d.retryAfterMs === undefined ? '' : ` et demande d'attendre ${f.dur(d.retryAfterMs)}`}.`,
    !d.beyondDeadline && callOutcome(d, f),
    d.beyondDeadline &&
      `Donnez au pipeline un \`timeout\` plus long, ou relancez le job dans ${f.dur(d.retryAfterMs)}.`,
    d.limit !== undefined &&
      `La limite ${d.limitType === 'tokens' ? 'de jetons' : d.limitType === 'requests' || d.limitType === undefined ? 'de requêtes' : `« ${d.limitType} »`} est de ${f.num(d.limit)}${d.remaining === undefined ? '' : ` (reste ${f.num(d.remaining)})`}${d.resetAt ? `, remise à zéro ${/^\d{4}-/.test(d.resetAt) ? `le ${when(d.resetAt)}` : `dans ${d.resetAt}`}` : ''}.`,
    `Réduisez le nombre d'appels simultanés à ${d.provider} (option \`bulkhead\`), ou demandez à ${d.provider} un palier de débit supérieur.`,
  ],
  PROVIDER_QUOTA_EXHAUSTED: (d, f) => [
    `${d.provider} indique que le quota ou le crédit du compte est épuisé${d.quotaId ? ` (${d.quotaId})` : ''} : aucun appel ne peut réussir tant que cela ne change pas.`,
    callOutcome(d, f),
    d.quotaId?.includes('PerDay')
      ? `C'est un quota journalier : il repart à zéro à minuit, heure du Pacifique, ou plus tôt si la facturation est activée sur le projet.`
      : `Ajoutez du crédit ou relevez la limite de dépense : ${billingPages[d.provider] ?? `la page de facturation de ${d.provider}`}.`,
    `Configurez un fournisseur de secours (\`fallback\`) pour continuer à servir pendant que ${d.provider} est à sec.`,
    `Une fois le compte approvisionné, relancez le job : les étapes terminées ne sont pas payées une seconde fois.`,
  ],
  PROVIDER_OVERLOADED: (d, f) =>
    d.bulkhead
      ? [
          `Ce processus a déjà ${f.num(d.bulkhead.concurrency)} appels en cours vers ${d.provider} et ${f.num(d.bulkhead.queued)} en attente : sa limite de concurrence (\`bulkhead\`) a refusé celui-ci avant de l'envoyer. ${d.provider} n'a rien refusé.`,
          `Augmentez \`bulkhead.concurrency\` ou \`bulkhead.queue\` pour ce fournisseur si ${d.provider} le permet, ou soumettez moins de travail à la fois.`,
        ]
      : [
          `${d.provider} est surchargé${d.status ? ` (HTTP ${d.status})` : ''} : le problème vient de chez lui et se résorbe généralement en quelques minutes.`,
          callOutcome(d, f),
          `Si cela persiste, configurez un fournisseur de secours (\`fallback\`) du même type.`,
          statusPages[d.provider] && `Suivez l'incident sur ${statusPages[d.provider]}.`,
        ],
  PROVIDER_ERROR: (d, f) => [
    `${d.provider} a échoué de son côté${d.status ? ` (HTTP ${d.status})` : ''}${d.providerMessage ? ` : « ${d.providerMessage} »` : ''}.`,
    callOutcome(d, f),
    `Si cela persiste, consultez ${statusPages[d.provider] ?? `la page d'état de ${d.provider}`}${d.requestId ? ` et communiquez au support l'identifiant de requête ${d.requestId}` : ''}.`,
    resumeNote,
  ],
  PROVIDER_REJECTED: (d, f) => [
    `${d.provider} a refusé la requête${d.status ? ` (HTTP ${d.status})` : ''}${d.param ? ` à cause du paramètre \`${d.param}\`` : ''}${d.providerMessage ? ` : « ${d.providerMessage} »` : ''}. Renvoyée telle quelle, elle serait de nouveau refusée.`,
    callOutcome(d, f),
    (d.status === 401 || d.status === 403) &&
      `Vérifiez la clé d'API configurée pour ${d.provider} : elle manque, est erronée ou révoquée, ou n'a pas accès à ce modèle.`,
    d.status === 404 && `Vérifiez le nom du modèle et l'URL de base du fournisseur.`,
    (d.status === 400 || d.status === 413) &&
      `Si l'entrée est trop longue pour le modèle, découpez-la en morceaux plus petits ou réduisez \`max_tokens\`.`,
  ],
  PROVIDER_UNREACHABLE: (d, f) => [
    d.errno === 'ENOTFOUND'
      ? `Le nom d'hôte ${d.host ?? `de ${d.provider}`} ne se résout pas : vérifiez que l'URL de base du fournisseur ne contient pas de faute de frappe, puis le DNS.`
      : `${d.provider} est injoignable${d.host ? ` à l'adresse ${d.host}` : ''}${d.errno ? ` (${d.errno})` : ''} : vérifiez l'accès au réseau, le DNS, les pare-feu et l'URL de base du fournisseur.`,
    callOutcome(d, f),
  ],
  CIRCUIT_OPEN: (d, f) => [
    `Les appels à ${d.provider} sont suspendus pendant ${f.dur(d.retryAfterMs)}${d.failures ? ` après ${f.num(d.failures)} échecs d'affilée` : ''}, pour ne pas payer des requêtes vouées à l'échec ; cet appel n'a pas été envoyé.`,
    `Dans un pipeline, le job attend ce délai sans occuper de worker et reprend s'il lui reste des tentatives ; un seul appel d'essai vérifie alors ${d.provider} avant que le trafic ne reprenne.`,
    `Consultez ${statusPages[d.provider] ?? `l'état de ${d.provider}`}, ou configurez un fournisseur de secours (\`fallback\`).`,
  ],
  STEP_TIMEOUT: (d, f) => [
    `Rien de ce que l'étape « ${d.step} » a écrit n'a été conservé : ses écritures ont été annulées avec elle.`,
    d.progress
      ? `Elle avait traité ${f.progress(d.progress)} en ${f.dur(d.timeoutMs)} : donnez-lui un \`timeout\` plus long ou traitez moins d'éléments par étape.`
      : `Donnez à l'étape un \`timeout\` plus long (actuellement ${f.dur(d.timeoutMs)}) ou découpez-la en étapes plus petites.`,
    `Une relance reprend à l'étape « ${d.step} » : les étapes précédentes ne sont ni réexécutées ni payées une seconde fois.`,
  ],
  JOB_TIMEOUT: (d, f) => [
    d.wouldWaitMs !== undefined
      ? `Une nouvelle tentative${d.cause ? ` après ${d.cause.code}` : ''} aurait dû attendre ${f.dur(d.wouldWaitMs)}, mais il ne restait que ${f.dur(d.remainingMs)} sur l'échéance de ${f.dur(d.timeoutMs)} du job : le job s'arrête donc maintenant plutôt que d'attendre pour rien.`
      : `Le job a atteint son échéance de ${f.dur(d.timeoutMs)}${d.step ? ` et a été arrêté pendant l'étape « ${d.step} »` : ''}${d.progress ? `, à ${f.progress(d.progress)}` : ''} ; les écritures de cette étape ont été annulées.`,
    `Augmentez le \`timeout\` du pipeline, ou découpez le travail en étapes plus nombreuses et plus petites.`,
    `Relancez le job : il reçoit une nouvelle échéance et reprend après la dernière étape réussie.`,
  ],
  STEP_FAILED: (d, f) => [
    d.name === 'NonRetriableError'
      ? `L'étape a déclaré cet échec définitif : corrigez son entrée ou son code, puis relancez le job.`
      : d.name === 'RetryAfterError'
        ? `L'étape a demandé à être relancée plus tard ; le job reprend de lui-même à ce moment-là.`
        : `Lisez le message d'erreur et les événements de l'étape pour en trouver la cause ; le job sera relancé s'il lui reste des tentatives (option \`retry\` du pipeline).`,
    d.progress && `L'étape en était à ${f.progress(d.progress)} ; ses écritures ont été annulées.`,
    d.name !== 'NonRetriableError' &&
      `Si une nouvelle tentative ne peut pas réussir, levez \`NonRetriableError\` : le job échouera tout de suite.`,
  ],
  QUOTA_EXCEEDED: (d, f) => [
    `Il reste ${f.num(d.balance)} ${d.meter} sur le budget ${periodFr(d.period)} de ${d.scope} (limite ${f.num(d.limit)}, déjà consommé ${f.num(d.used)}${d.reserved ? `, réservé par des jobs en cours ${f.num(d.reserved)}` : ''}) ; ce job en demande ${f.num(d.required)}, soit ${f.num(d.deficit)} de trop.`,
    d.resetAt
      ? `Le budget repart à zéro le ${when(d.resetAt)} : relancez le job à ce moment-là, ou relevez sa limite.`
      : `Relevez la limite du budget pour continuer.`,
    `Vous pouvez aussi réduire le job, ou régler le \`budgetMode\` du pipeline sur \`wait\` : les jobs attendront alors la remise à zéro au lieu d'échouer.`,
  ],
  INSUFFICIENT_TOKENS: (d, f) => [
    `Le solde est de ${f.num(d.balance)} ${d.meter} et ce job en demande ${f.num(d.required)} : il en manque ${f.num(d.deficit)}.`,
    d.refill
      ? `Le solde augmente de ${f.num(d.refill.amount)} toutes les ${f.dur(d.refill.everyMs)} : il suffira dans ${f.dur(Math.ceil(d.deficit / d.refill.amount) * d.refill.everyMs)} environ${d.resetAt ? ` (prochaine recharge le ${when(d.resetAt)})` : ''}.`
      : d.resetAt && `Le solde repart à zéro le ${when(d.resetAt)}.`,
    `Réduisez le job (moins d'éléments), attendez la recharge, ou réglez le \`budgetMode\` du pipeline sur \`wait\`.`,
  ],
  JOB_TOO_EXPENSIVE: (d, f) => [
    `Ce job est estimé à ${f.num(d.estimate)} ${d.meter}, soit ${f.num(d.excess)} de plus que le plafond de ${f.num(d.cap)} pour un job du pipeline « ${d.pipeline} » ; il n'a pas été lancé et rien n'a été dépensé.`,
    `Réduisez le job (moins d'éléments, filtres plus étroits), ou relevez le \`budget\` du pipeline pour ${d.meter}.`,
  ],
  BUDGET_EXCEEDED: (d, f) => [
    `Le job a déjà consommé ${f.num(d.used)} des ${f.num(d.cap)} ${d.meter} de son plafond, et l'appel suivant pouvait en demander jusqu'à ${f.num(d.requested)} : il n'a pas été fait, et ${d.step ? `l'étape « ${d.step} »` : "l'étape"} a été annulée.`,
    `Relevez le \`budget\` du pipeline pour ${d.meter}, réduisez le \`max_tokens\` des appels, ou réduisez le job ; une relance reprend à l'étape interrompue.`,
  ],
  ROLLBACK_FAILED: (d) => [
    d.cause &&
      `Le job a échoué avec ${d.cause.code} (« ${d.cause.message} ») et ses étapes terminées étaient en cours d'annulation.`,
    `Une annulation (compensation) a échoué${d.step ? ` pour l'étape « ${d.step} »` : ''}${d.failures?.length ? ` : ${d.failures.map((x) => `${x.step} : « ${x.message} »`).join(' ; ')}` : ''}. Les effets de cette étape hors de la base peuvent subsister.`,
    `Vérifiez ces effets et défaites-les à la main ; les écritures préparées avec \`ctx.write\` ont été annulées et n'ont rien à défaire.`,
  ],
  VALIDATION_ERROR: (d, f) => [
    ...issueLines(d.issues, f),
    d.issues.length > shownIssues &&
      `Et ${f.num(d.issues.length - shownIssues)} autre${d.issues.length - shownIssues > 1 ? 's problèmes' : ' problème'} (tous figurent dans le détail de l'erreur).`,
    `Rien n'a été enregistré : soumettez de nouveau une fois la correction faite.`,
  ],
  NOT_FOUND: (d) => {
    const noun = frenchNoun(d.kind);
    const none = noun.feminine ? 'Aucune' : 'Aucun';
    // Ids and prefixes "match"; names are "called".
    const verb =
      d.kind === 'pipeline' || d.kind === 'provider' || d.kind === 'tenant'
        ? "ne s'appelle"
        : 'ne correspond à';
    return [
      `${none} ${noun.one} ${verb} « ${d.id} ».`,
      d.known &&
        (d.known.length
          ? `${capitalise(noun.many)} ${noun.feminine ? 'connues' : 'connus'} : ${d.known.join(', ')}.`
          : `${none} ${noun.one} n'est ${noun.feminine ? 'configurée' : 'configuré'}.`),
    ];
  },
  AMBIGUOUS_ID: (d) => [
    `« ${d.prefix} » est le début de plusieurs identifiants${d.more ? ' (les premiers sont listés)' : ''} : ${d.matches.join(', ')}.`,
    `Tapez davantage de caractères de l'identifiant, ou l'identifiant entier.`,
  ],
  CONFLICT: (d) => [
    `${theNoun(d.kind)} « ${d.id} » est ${d.state ? `à l'état « ${d.state} »` : 'dans un autre état'}${d.allowed?.length ? ` : cette action n'est possible qu'à l'état ${d.allowed.map((s) => `« ${s} »`).join(' ou ')}` : ''}.`,
  ],
  IDEMPOTENCY_CONFLICT: (d) => [
    `La clé d'idempotence « ${d.key} » appartient déjà au job ${d.existingJobId}, soumis avec une autre entrée.`,
    `Utilisez une nouvelle clé pour une autre entrée, ou renvoyez l'entrée d'origine pour retrouver le job ${d.existingJobId}.`,
  ],
  CANCELLED: (d) => [
    `Le job a été annulé${d.reason ? ` (motif : « ${d.reason} »)` : ''}${d.step ? ` pendant l'étape « ${d.step} »` : ''} : les écritures de cette étape ont été annulées et les compensations exécutées.`,
    `Relancez le job pour le reprendre après la dernière étape réussie.`,
  ],
  LEASE_LOST: () => [
    `Ce worker a perdu le bail du job (renouvelé trop tard, ou repris par un autre worker) : ses écritures ont été refusées.`,
    `Vérifiez la boucle d'événements du worker et la latence de la base ; le job reprend sur le worker qui le détient désormais.`,
  ],
  STORE_LOCKED: (d) => [
    `La base embarquée ${d.dataDir} est ouverte par un autre processus Holdfast${d.pid ? ` (pid ${d.pid}${d.host ? ` sur ${d.host}` : ''})` : ''} ; le mode embarqué n'accepte qu'un seul processus.`,
    `Arrêtez ce processus, ou indiquez un autre répertoire ; pour partager une base entre processus, utilisez PostgreSQL (DATABASE_URL).`,
  ],
  DATABASE_UNAVAILABLE: (d, f) => [
    `La base de données (${d.database}) ne répond pas${d.downForMs ? ` depuis ${f.dur(d.downForMs)}` : ''} : ${
      d.reason === 'refused'
        ? "rien n'accepte de connexion à cette adresse — PostgreSQL est-il démarré, l'hôte et le port sont-ils les bons ?"
        : d.reason === 'shutting-down' || d.reason === 'terminated'
          ? 'elle redémarre ou bascule sur un autre serveur.'
          : d.reason === 'too-many-connections'
            ? "elle n'a plus de connexion libre — réduisez la taille des pools ou augmentez max_connections."
            : 'la connexion a été perdue ou a expiré — vérifiez le réseau entre cette machine et la base.'
    }`,
    `Rien n'a été écrit à moitié : le travail en cours a été annulé. Les jobs en cours reprennent d'eux-mêmes dès le retour de la base.`,
    d.operation === 'submit' || d.operation === 'request'
      ? `Renvoyez la requête dans quelques secondes ; avec la même clé d'idempotence, elle ne sera jamais exécutée deux fois.`
      : `Réessayez dans quelques secondes.`,
  ],
  DATABASE_NOT_FOUND: (d) => [
    `Le serveur ${d.database} n'a pas de base nommée « ${d.name} ».`,
    `Créez-la (\`createdb ${d.name}\`) ou corrigez son nom dans DATABASE_URL / --database, puis lancez \`holdfast migrate\`.`,
  ],
  DATABASE_AUTH_FAILED: (d) => [
    `La base a refusé ${d.user ? `l'utilisateur « ${d.user} »` : 'les identifiants'} : vérifiez le nom d'utilisateur et le mot de passe dans DATABASE_URL / --database.`,
    `Vérifiez aussi que pg_hba.conf autorise cette machine et cette méthode d'authentification.`,
  ],
  SCHEMA_NOT_MIGRATED: (d) => [
    d.current === null
      ? `Cette base ne contient pas encore les tables de Holdfast ; les commandes en lecture seule ne les créent jamais.`
      : `Le schéma Holdfast de cette base en est à ${d.current}, alors que cette version a besoin de ${d.expected}.`,
    `Lancez \`holdfast migrate\` sur cette base (sans risque, même depuis plusieurs processus à la fois), puis réessayez.`,
  ],
  DATA_DIR_INVALID: (d) => [
    d.reason === 'not-a-directory'
      ? `${d.path} existe mais n'est pas un répertoire : la base embarquée a besoin d'un répertoire à elle.`
      : d.reason === 'special-filesystem'
        ? `${d.path} se trouve sur un système de fichiers du système (/proc, /sys, /dev), où l'on ne peut rien conserver.`
        : d.reason === 'not-writable'
          ? `Ce processus n'a pas le droit d'écrire dans ${d.path} : vérifiez ses droits et son propriétaire, ou si le disque est monté en lecture seule.`
          : `Impossible de créer ${d.path} : vérifiez que le répertoire parent existe et qu'on peut y écrire.`,
    `Indiquez un autre répertoire avec --database (ou DATABASE_URL), par exemple ./.holdfast.`,
  ],
  STORE_UNWRITABLE: (d) => [
    d.reason === 'disk-full'
      ? `Le disque qui contient ${d.path} est plein : libérez de la place (\`holdfast cleanup\` supprime les anciens jobs).`
      : d.reason === 'read-only'
        ? `${d.path} est passé en lecture seule : remontez-le en lecture-écriture ou déplacez le répertoire de données.`
        : `L'écriture dans ${d.path} a échoué : vérifiez le disque et le journal du système.`,
    `Aucune donnée validée n'a été perdue ; l'écriture qui a échoué a été annulée. Le travail reprend dès que la base peut de nouveau écrire.`,
  ],
  SQL_ERROR: (d) => [
    d.sqlState === '42P01'
      ? `Une table dans laquelle cette étape écrit n'existe pas${d.table ? ` (${d.table})` : ''} : créez-la avant que le job ne s'exécute (migration ou hook d'initialisation), puis relancez le job.`
      : d.sqlState === '42703'
        ? `Une colonne utilisée par cette étape n'existe pas${d.column ? ` (${d.column})` : ''} : corrigez la requête ou la table, puis relancez le job.`
        : d.sqlState.startsWith('23')
          ? `Une ligne viole une contrainte${d.constraint ? ` (${d.constraint})` : ''}${d.detail ? ` : « ${d.detail} »` : ''}. Corrigez les données ou la requête, puis relancez le job.`
          : d.sqlState.startsWith('42')
            ? `La requête SQL elle-même est incorrecte (SQLSTATE ${d.sqlState}) : corrigez-la, puis relancez le job.`
            : `La base a refusé le SQL de l'étape (SQLSTATE ${d.sqlState}) ; le relancer tel quel échouerait de nouveau.`,
    d.hint && `Indication de PostgreSQL : « ${d.hint} »`,
    `${d.step ? `L'étape « ${d.step} »` : "L'étape"} n'a pas été relancée, et aucune de ses écritures n'a été conservée.`,
  ],
  CONFIG_INVALID: (d) => [
    // problemFr is a predicate of the option, as \`problem\` is in English: « elle doit être… ».
    `Corrigez l'option ${d.option}${d.source ? ` (lue dans ${d.source})` : ''} : ${
      d.problemFr
        ? `elle ${d.problemFr}${d.value !== undefined ? ` (valeur reçue : ${d.value})` : ''}`
        : d.value !== undefined
          ? `sa valeur ${d.value} n'est pas acceptée`
          : "elle n'est pas valide"
    }.`,
    `Rien n'a été démarré ; relancez la commande une fois la correction faite (\`--help\` liste toutes les options).`,
  ],
  PORT_IN_USE: (d) => [
    `Un autre programme écoute déjà sur ${d.host}:${d.port} : impossible d'y démarrer ${d.service === 'server' ? 'le serveur' : d.service === 'simulator' ? 'le simulateur' : d.service}.`,
    `Arrêtez ce programme (\`ss -ltnp | grep :${d.port}\` indique lequel), ou choisissez un autre port avec --port.`,
  ],
  UNAUTHORIZED: (d) => [
    d.reason === 'missing'
      ? `Envoyez une clé d'API : \`Authorization: Bearer <clé>\` (la clé d'administration affichée au premier démarrage, ou une clé de locataire créée par \`holdfast keys create\`).`
      : d.reason === 'expired'
        ? `Ce jeton a expiré : demandez-en un nouveau (POST /v1/jobs/:id/token).`
        : d.reason === 'revoked'
          ? `Cette clé a été révoquée : créez-en une nouvelle avec \`holdfast keys create\`.`
          : `Cette clé n'est pas valide : vérifiez qu'elle a été copiée en entier, ou créez-en une nouvelle avec \`holdfast keys create\`.`,
  ],
  FORBIDDEN: (d) => [
    `Cette clé ne permet pas de ${d.actionFr ?? `faire cette action (« ${d.action} »)`}${d.role ? ` : c'est une clé ${d.role === 'tenant' ? 'de locataire' : d.role === 'job' ? 'de suivi de job' : `de rôle « ${d.role} »`}` : ''}.`,
    `Utilisez la clé d'administration, ou une clé du locataire à qui appartient la ressource.`,
  ],
  PAYLOAD_TOO_LARGE: (d, f) => [
    `Le corps de la requête ne doit pas dépasser ${f.num(d.limitBytes)} octets${d.receivedBytes ? ` ; celui-ci en fait ${f.num(d.receivedBytes)}` : ''}.`,
    `Passez les gros documents par référence (une URL ou une clé de stockage) dans l'entrée du job, ou augmentez la limite du serveur.`,
  ],
  UNSUPPORTED_MEDIA_TYPE: (d) => [
    `Envoyez le corps au format ${d.expected.join(' ou ')} (avec l'en-tête Content-Type correspondant), et non « ${d.contentType} ».`,
  ],
  SHUTTING_DOWN: () => [
    `Ce processus est en cours d'arrêt ; ses jobs sont confiés à d'autres workers.`,
    `Renvoyez la requête : une autre instance, ou celle-ci une fois redémarrée, y répondra.`,
  ],
  BUS_UNREACHABLE: (d) => [
    d.broker === 'nats'
      ? `Rien ne répond à ${d.url} : vérifiez que le serveur NATS tourne avec JetStream activé (\`nats-server -js\`) et que l'hôte et le port de \`bus.source\` sont les bons.`
      : `Rien ne répond à ${d.url} : vérifiez que RabbitMQ tourne et que l'hôte et le port de \`bus.source\` sont les bons.`,
    `Aucun message n'est perdu entre-temps : ceux qui n'ont pas été acquittés restent chez le broker et seront redistribués à son retour.`,
    `Un message reçu deux fois est reconnu par sa clé d'idempotence et ne crée qu'un seul job.`,
  ],
  BUS_REFUSED: (d) => [
    d.operation === 'connect'
      ? `Vérifiez le nom d'utilisateur et le mot de passe de \`bus.source\`, et que cet utilisateur a accès ${d.broker === 'rabbitmq' ? "à l'hôte virtuel" : 'au compte'}.`
      : `Vérifiez que l'utilisateur de \`bus.source\` a le droit de faire « ${d.operation} »${d.name ? ` sur « ${d.name} »` : ''}, et qu'${d.broker === 'nats' ? 'un flux ou consommateur existant' : 'une file existante'} de ce nom a une définition compatible (ou indiquez-en un autre dans la route).`,
    `Rien n'a été consommé : les messages attendent chez le broker que la réception démarre.`,
  ],
  SESSION_EXPIRED: (d) => [
    d.reason === 'revoked'
      ? `Reconnectez-vous avec une clé valide : la clé d'administration affichée par \`holdfast start\`, ou une clé de locataire créée par \`holdfast keys create\`.`
      : `Reconnectez-vous avec votre clé, ou avec un nouveau lien de connexion.`,
  ],
  SIGN_IN_LINK_INVALID: (d) => [
    d.reason === 'used'
      ? `Connectez-vous plutôt avec votre clé (la clé d'administration affichée par \`holdfast start\`), ou redémarrez Holdfast pour obtenir un nouveau lien.`
      : `Connectez-vous avec votre clé (la clé d'administration affichée par \`holdfast start\`), ou redémarrez Holdfast pour obtenir un nouveau lien : un lien est valable 15 minutes.`,
    `Copiez le lien en entier : la partie après # est le jeton.`,
  ],
  CSRF_REJECTED: (d) => [
    d.reason === 'origin'
      ? `Utilisez le tableau de bord depuis sa propre adresse ; les autres sites ne peuvent pas agir avec sa session.`
      : `Rechargez le tableau de bord pour obtenir un nouveau jeton ; les scripts qui appellent l'API doivent envoyer une clé \`Authorization: Bearer\` plutôt que le cookie de session.`,
  ],
  INTERNAL: (d) => [
    `Holdfast a rencontré une situation inattendue${d.reason ? ` (« ${d.reason} »)` : ''}.`,
    `Signalez-la avec les événements du job ; relancer le job est sans risque.`,
  ],
};
