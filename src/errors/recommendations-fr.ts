import { billingPages, statusPages } from './format.js';
import type { Catalogue } from './recommendations.js';

const resumeNote =
  'Relancez le job : les étapes déjà réussies ne sont pas réexécutées, elles ne sont donc pas payées deux fois.';

export const french: Catalogue = {
  PROVIDER_TIMEOUT: (d, f) => [
    d.phase === 'connect'
      ? `La connexion à ${d.provider} n'a pas pu être ouverte en ${f.dur(d.timeoutMs)} : vérifiez son URL de base, le DNS et tout proxy intermédiaire.`
      : d.phase === 'deadline'
        ? `L'appel était encore en cours quand l'échéance de l'étape ou du job est arrivée ; donnez au pipeline un \`timeout\` plus long si de tels appels sont normalement lents.`
        : `${d.provider} n'a rien répondu en ${f.dur(d.timeoutMs)} (${d.phase}) ; si les requêtes sont réellement volumineuses, augmentez \`timeouts.${d.phase}\` pour ce fournisseur.`,
    `Une API lente est souvent surchargée ou limitée en débit : consultez ${statusPages[d.provider] ?? `la page d'état de ${d.provider}`} et votre tableau de consommation.`,
    resumeNote,
  ],
  PROVIDER_RATE_LIMITED: (d, f) => [
    d.beyondDeadline
      ? `${d.provider} a demandé d'attendre ${f.dur(d.retryAfterMs)}, mais il ne restait que ${f.dur(d.remainingMs)} avant l'échéance : l'appel s'est arrêté aussitôt au lieu d'attendre au-delà.`
      : d.retryAfterMs !== undefined
        ? `${d.provider} a demandé d'attendre ${f.dur(d.retryAfterMs)} ; le job patiente sans occuper de worker, puis reprend de lui-même.`
        : `${d.provider} limite le débit de ce compte ; les appels sont relancés avec un délai croissant.`,
    d.beyondDeadline &&
      `Donnez au pipeline un \`timeout\` plus long, ou relancez le job dans ${f.dur(d.retryAfterMs)}.`,
    d.limit !== undefined &&
      `La limite (${d.limitType ?? 'requêtes'}) est de ${f.num(d.limit)}${d.remaining === undefined ? '' : ` (${f.num(d.remaining)} restants)`}${d.resetAt ? `, réinitialisée à ${d.resetAt}` : ''}.`,
    `Réduisez la concurrence des appels à ${d.provider} (bulkhead), ou demandez à ${d.provider} un palier de débit supérieur.`,
  ],
  PROVIDER_QUOTA_EXHAUSTED: (d) => [
    `${d.provider} indique que le quota ou le crédit du compte est épuisé${d.quotaId ? ` (${d.quotaId})` : ''} : une nouvelle tentative ne peut pas réussir tant que rien ne change, aucune n'a donc été faite.`,
    d.quotaId?.includes('PerDay')
      ? `C'est un quota journalier : il se réinitialise à minuit, heure du Pacifique, ou plus tôt en activant la facturation du projet.`
      : `Ajoutez du crédit ou relevez la limite de dépense : ${billingPages[d.provider] ?? `la page de facturation de ${d.provider}`}.`,
    `Configurez un fournisseur de secours (\`fallback\`) pour continuer à servir pendant que ${d.provider} est épuisé.`,
    `Une fois le compte rechargé, relancez le job : les étapes terminées ne sont pas repayées.`,
  ],
  PROVIDER_OVERLOADED: (d) => [
    `${d.provider} est surchargé${d.status ? ` (HTTP ${d.status})` : ''} : le problème vient de leur côté et passe généralement en quelques minutes.`,
    `L'appel est relancé avec un délai croissant ; si l'échec persiste, configurez un fournisseur de secours du même type.`,
    statusPages[d.provider] && `Suivez l'incident sur ${statusPages[d.provider]}.`,
  ],
  PROVIDER_ERROR: (d) => [
    `${d.provider} a échoué de son côté${d.status ? ` (HTTP ${d.status})` : ''} ; ces erreurs sont relancées automatiquement avec un délai croissant.`,
    `Si cela persiste, consultez ${statusPages[d.provider] ?? `la page d'état de ${d.provider}`}${d.requestId ? ` et citez l'identifiant de requête ${d.requestId} au support` : ''}.`,
    resumeNote,
  ],
  PROVIDER_REJECTED: (d) => [
    `${d.provider} a refusé la requête${d.status ? ` avec HTTP ${d.status}` : ''}${d.param ? ` à cause du paramètre \`${d.param}\`` : ''}${d.providerMessage ? ` : « ${d.providerMessage} »` : ''}. Renvoyée telle quelle, elle serait refusée à nouveau : elle n'a donc pas été relancée.`,
    (d.status === 401 || d.status === 403) &&
      `Vérifiez la clé d'API configurée pour ${d.provider} : elle est absente, erronée, révoquée ou n'a pas accès à ce modèle.`,
    d.status === 404 && `Vérifiez le nom du modèle et l'URL de base du fournisseur.`,
    (d.status === 400 || d.status === 413) &&
      `Si l'entrée est trop longue pour le modèle, découpez-la en morceaux plus petits ou réduisez \`max_tokens\`.`,
  ],
  PROVIDER_UNREACHABLE: (d) => [
    `${d.provider} est injoignable${d.host ? ` à ${d.host}` : ''}${d.errno ? ` (${d.errno})` : ''} : vérifiez l'accès réseau, le DNS, les pare-feux et l'URL de base du fournisseur.`,
    `Les échecs de connexion sont relancés automatiquement ; le disjoncteur suspend les appels s'ils continuent d'échouer.`,
  ],
  CIRCUIT_OPEN: (d, f) => [
    `Les appels à ${d.provider} sont suspendus pendant ${f.dur(d.retryAfterMs)}${d.failures ? ` après ${f.num(d.failures)} échecs consécutifs` : ''}, pour ne pas payer des requêtes vouées à l'échec.`,
    `Le job patiente et reprend de lui-même ; un seul appel d'essai teste ${d.provider} avant la reprise du trafic.`,
    `Consultez ${statusPages[d.provider] ?? `l'état de ${d.provider}`}, ou configurez un fournisseur de secours.`,
  ],
  STEP_TIMEOUT: (d, f) => [
    `Rien de ce que l'étape « ${d.step} » a écrit n'a été conservé : ses écritures ont été annulées avec elle.`,
    d.progress
      ? `Elle avait traité ${f.progress(d.progress)} en ${f.dur(d.timeoutMs)} : donnez-lui un \`timeout\` plus long ou traitez moins d'éléments par étape.`
      : `Donnez à l'étape un \`timeout\` plus long (actuellement ${f.dur(d.timeoutMs)}) ou découpez-la en étapes plus petites.`,
    `Une relance reprend à l'étape « ${d.step} » : les étapes précédentes ne sont ni réexécutées, ni repayées.`,
  ],
  JOB_TIMEOUT: (d, f) => [
    d.wouldWaitMs !== undefined
      ? `Une nouvelle tentative${d.cause ? ` après ${d.cause.code}` : ''} aurait dû attendre ${f.dur(d.wouldWaitMs)}, mais il ne restait que ${f.dur(d.remainingMs)} de l'échéance de ${f.dur(d.timeoutMs)} du job : il s'arrête maintenant au lieu d'attendre.`
      : `Le job a épuisé son échéance de ${f.dur(d.timeoutMs)}${d.step ? ` et a été arrêté pendant l'étape « ${d.step} »` : ''}${d.progress ? ` à ${f.progress(d.progress)}` : ''} ; les écritures de cette étape ont été annulées.`,
    `Augmentez le \`timeout\` du pipeline, ou découpez le travail en étapes plus nombreuses et plus petites.`,
    `Relancez le job : il reçoit une nouvelle échéance et reprend après la dernière étape réussie.`,
  ],
  STEP_FAILED: (d, f) => [
    d.name === 'NonRetriableError'
      ? `L'étape a déclaré cet échec définitif : corrigez son entrée ou son code, puis relancez le job.`
      : d.name === 'RetryAfterError'
        ? `L'étape a demandé à être relancée plus tard ; le job reprend de lui-même à ce moment-là.`
        : `Lisez le message d'erreur et les événements de l'étape pour en trouver la cause ; le job est relancé selon sa politique de relance.`,
    d.progress && `L'étape en était à ${f.progress(d.progress)} ; ses écritures ont été annulées.`,
    d.name !== 'NonRetriableError' &&
      `Si cet échec ne peut jamais réussir en relançant, levez \`NonRetriableError\` pour que le job échoue aussitôt.`,
  ],
  QUOTA_EXCEEDED: (d, f) => [
    `Le budget ${d.meter} (${d.period}) de ${d.scope} a ${f.num(d.balance)} disponibles (limite ${f.num(d.limit)}, consommé ${f.num(d.used)}${d.reserved ? `, réservé par des jobs en cours ${f.num(d.reserved)}` : ''}) ; ce job en demande ${f.num(d.required)}, soit ${f.num(d.deficit)} de trop.`,
    d.resetAt
      ? `Le budget se réinitialise le ${d.resetAt} : relancez à ce moment-là, ou relevez sa limite.`
      : `Relevez la limite du budget pour continuer.`,
    `Ou réduisez le job, ou passez le mode budget du pipeline à \`wait\` pour que les jobs attendent la réinitialisation au lieu d'échouer.`,
  ],
  INSUFFICIENT_TOKENS: (d, f) => [
    `Solde ${f.num(d.balance)} ${d.meter}, requis ${f.num(d.required)} : il en manque ${f.num(d.deficit)}.`,
    d.refill
      ? `Le solde se recharge de ${f.num(d.refill.amount)} toutes les ${f.dur(d.refill.everyMs)} : suffisant dans environ ${f.dur(Math.ceil(d.deficit / d.refill.amount) * d.refill.everyMs)}${d.resetAt ? ` (prochaine recharge le ${d.resetAt})` : ''}.`
      : d.resetAt && `Le solde se réinitialise le ${d.resetAt}.`,
    `Réduisez le job (moins d'éléments), attendez la recharge, ou passez le mode budget du pipeline à \`wait\`.`,
  ],
  JOB_TOO_EXPENSIVE: (d, f) => [
    `Ce job est estimé à ${f.num(d.estimate)} ${d.meter}, soit ${f.num(d.excess)} de plus que le plafond de ${f.num(d.cap)} pour un job « ${d.pipeline} » ; il n'a pas été lancé et rien n'a été dépensé.`,
    `Réduisez le job (moins d'éléments, filtres plus étroits), ou relevez le \`budget\` du pipeline pour ${d.meter}.`,
  ],
  BUDGET_EXCEEDED: (d, f) => [
    `Le job a consommé ${f.num(d.used)} de son plafond de ${f.num(d.cap)} ${d.meter} et son appel suivant demandait jusqu'à ${f.num(d.requested)} ; l'appel n'a pas été fait et ${d.step ? `l'étape « ${d.step} »` : "l'étape"} a été annulée.`,
    `Relevez le \`budget\` du pipeline pour ${d.meter}, réduisez le \`max_tokens\` des appels, ou réduisez le job ; une relance reprend à l'étape interrompue.`,
  ],
  ROLLBACK_FAILED: (d) => [
    d.cause &&
      `Le job a échoué avec ${d.cause.code} (${d.cause.message}) et ses étapes terminées étaient en cours d'annulation.`,
    `Une annulation (compensation) a échoué${d.step ? ` pour l'étape « ${d.step} »` : ''}${d.failures?.length ? ` : ${d.failures.map((x) => `${x.step} : ${x.message}`).join(' ; ')}` : ''}. Les effets de cette étape hors de la base peuvent subsister.`,
    `Vérifiez et annulez ces effets à la main ; les écritures préparées avec \`ctx.write\` ont été annulées et n'ont besoin de rien.`,
  ],
  VALIDATION_ERROR: (d) => [
    `Corrigez ${d.field ? `\`${d.field}\`` : 'la valeur'} : ${d.issues[0]?.message ?? 'elle est invalide'}${d.issues.length > 1 ? ` (et ${d.issues.length - 1} autre${d.issues.length > 2 ? 's' : ''} problème${d.issues.length > 2 ? 's' : ''})` : ''}.`,
    `Rien n'a été enregistré ; soumettez à nouveau une fois corrigé.`,
  ],
  NOT_FOUND: (d) => [
    `Aucun élément « ${d.kind} » ne s'appelle « ${d.id} ».`,
    d.known &&
      (d.known.length
        ? `Éléments « ${d.kind} » connus : ${d.known.join(', ')}.`
        : `Aucun élément « ${d.kind} » n'est configuré.`),
  ],
  AMBIGUOUS_ID: (d) => [
    `« ${d.prefix} » est le début de plusieurs identifiants${d.more ? ' (les premiers sont listés)' : ''} : ${d.matches.join(', ')}.`,
    `Tapez davantage de caractères de l'identifiant, ou l'identifiant entier.`,
  ],
  CONFLICT: (d) => [
    `${d.kind} « ${d.id} » est dans l'état ${d.state ?? 'autre'}${d.allowed?.length ? ` ; cette action n'est possible que dans l'état ${d.allowed.join(' ou ')}` : ''}.`,
  ],
  IDEMPOTENCY_CONFLICT: (d) => [
    `La clé d'idempotence « ${d.key} » appartient déjà au job ${d.existingJobId}, soumis avec une autre entrée.`,
    `Utilisez une nouvelle clé pour une autre entrée, ou renvoyez l'entrée d'origine pour retrouver le job ${d.existingJobId}.`,
  ],
  CANCELLED: (d) => [
    `Le job a été annulé${d.reason ? ` (${d.reason})` : ''}${d.step ? ` pendant l'étape « ${d.step} »` : ''} : les écritures de cette étape ont été annulées et les compensations exécutées.`,
    `Relancez le job pour le reprendre après la dernière étape réussie.`,
  ],
  LEASE_LOST: () => [
    `Ce worker a perdu le bail du job (renouvelé trop tard, ou repris par un autre worker) : ses écritures ont été refusées.`,
    `Vérifiez la boucle d'événements du worker et la latence de la base ; le job reprend sur le worker qui le détient désormais.`,
  ],
  STORE_LOCKED: (d) => [
    `La base embarquée ${d.dataDir} est ouverte par un autre processus Holdfast${d.pid ? ` (pid ${d.pid}${d.host ? ` sur ${d.host}` : ''})` : ''} ; le mode embarqué n'admet qu'un processus.`,
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
          ? `Une ligne viole une contrainte${d.constraint ? ` (${d.constraint})` : ''}${d.detail ? ` : ${d.detail}` : ''}. Corrigez les données ou la requête, puis relancez le job.`
          : d.sqlState.startsWith('42')
            ? `La requête SQL elle-même est incorrecte (SQLSTATE ${d.sqlState}) : corrigez-la, puis relancez le job.`
            : `La base a refusé le SQL de l'étape (SQLSTATE ${d.sqlState}) ; le relancer tel quel échouerait de nouveau.`,
    d.hint && `Indication de PostgreSQL : ${d.hint}`,
    `${d.step ? `L'étape « ${d.step} »` : "L'étape"} n'a pas été relancée, et aucune de ses écritures n'a été conservée.`,
  ],
  CONFIG_INVALID: (d) => [
    d.problemFr
      ? `Corrigez ${d.option}${d.source ? ` dans ${d.source}` : ''} : ${d.problemFr}${d.value !== undefined ? ` (valeur reçue : ${d.value})` : ''}.`
      : `Corrigez ${d.option}${d.source ? ` dans ${d.source}` : ''} : ${d.value !== undefined ? `la valeur ${d.value} n'est pas acceptée` : 'cette option est invalide'} (le message d'erreur précise ce qui est attendu).`,
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
    `Cette clé ne permet pas de ${d.action}${d.role ? ` (c'est une clé ${d.role === 'tenant' ? 'de locataire' : d.role === 'job' ? 'de suivi de job' : d.role})` : ''}.`,
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
    `Holdfast a rencontré une situation inattendue${d.reason ? ` (${d.reason})` : ''}.`,
    `Signalez-la avec les événements du job ; relancer le job est sans risque.`,
  ],
};
