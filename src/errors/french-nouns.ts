/** A noun of the things errors talk about, with what French grammar needs around it. */
export interface FrenchNoun {
  readonly one: string;
  readonly many: string;
  readonly feminine: boolean;
}

const nouns: Record<string, FrenchNoun> = {
  job: { one: 'job', many: 'jobs', feminine: false },
  pipeline: { one: 'pipeline', many: 'pipelines', feminine: false },
  account: { one: 'compte', many: 'comptes', feminine: false },
  tenant: { one: 'locataire', many: 'locataires', feminine: false },
  provider: { one: 'fournisseur', many: 'fournisseurs', feminine: false },
  step: { one: 'étape', many: 'étapes', feminine: true },
  key: { one: 'clé', many: 'clés', feminine: true },
  'api key': { one: "clé d'API", many: "clés d'API", feminine: true },
  notification: { one: 'notification', many: 'notifications', feminine: true },
  meter: { one: 'compteur', many: 'compteurs', feminine: false },
  event: { one: 'événement', many: 'événements', feminine: false },
  budget: { one: 'budget', many: 'budgets', feminine: false },
};

/** The French noun of a kind ('pipeline', 'job', 'account'…); an unknown kind is named as it is. */
export function frenchNoun(kind: string): FrenchNoun {
  return nouns[kind] ?? { one: `élément « ${kind} »`, many: `éléments « ${kind} »`, feminine: false };
}

/** 'Le job', 'La clé', "L'étape": the noun with its definite article, capitalised. */
export function theNoun(kind: string): string {
  const noun = frenchNoun(kind);
  if (/^[aeéèêiouh]/i.test(noun.one)) return `L'${noun.one}`;
  return `${noun.feminine ? 'La' : 'Le'} ${noun.one}`;
}

/** The word with a capital first letter ('Pipelines', 'Clés'). */
export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
