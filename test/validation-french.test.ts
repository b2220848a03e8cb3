import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HoldfastError, hasCode } from '../src/errors/holdfast-error.js';
import { formatError, renderError } from '../src/errors/render-error.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { validateInput } from '../src/runtime/validate-input.js';
import { backends } from './support/backends.js';
import { testHoldfast } from './support/holdfast.js';

/** Words that give English away once code spans and quoted data are set aside. */
const english =
  /\b(the|and|with|must|expected|received|invalid|too|small|big|fix|nothing|stored|submit|again|input|option|required|characters?|items?)\b/i;
const withoutCode = (text: string) => text.replace(/`[^`]*`/g, '').replace(/« [^»]* »/g, '');

async function validationError(
  schema: z.ZodType,
  value: unknown,
): Promise<HoldfastError<'VALIDATION_ERROR'>> {
  const error = await validateInput(schema, value).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!hasCode(error, 'VALIDATION_ERROR'))
    throw new Error(`expected a VALIDATION_ERROR, got ${String(error)}`);
  return error;
}

describe('validation problems in French', () => {
  it("writes zod's problems in French, with no English left", async () => {
    const schema = z.object({
      n: z.number().int().min(1),
      title: z.string().min(3),
      url: z.url(),
      tags: z.array(z.string()).max(2),
      kind: z.enum(['tender', 'invoice']),
      pages: z.number(),
      email: z.email(),
      extra: z.strictObject({ a: z.string() }),
    });
    const error = await validationError(schema, {
      n: 0,
      title: 'ab',
      url: 'not a url',
      tags: ['a', 'b', 'c'],
      kind: 'memo',
      pages: '12',
      email: 'x',
      extra: { a: 'ok', b: 1 },
    });
    // The English side keeps zod's own words.
    expect(error.recommendations('en')[0]).toBe('Fix `n`: Too small: expected number to be >=1.');
    const issues = error.details.issues.map(
      (issue) =>
        new HoldfastError('VALIDATION_ERROR', { field: issue.path, issues: [issue] }).recommendations(
          'fr',
        )[0],
    );
    expect(issues).toEqual([
      'Corrigez le champ `n` : la valeur doit être supérieure ou égale à 1.',
      'Corrigez le champ `title` : il faut au moins 3 caractères.',
      'Corrigez le champ `url` : une URL valide (par exemple https://exemple.fr/document.pdf) est attendue.',
      'Corrigez le champ `tags` : il faut au plus 2 éléments.',
      "Corrigez le champ `kind` : la valeur doit être l'une de celles-ci : « tender », « invoice ».",
      'Corrigez le champ `pages` : un nombre est attendu, pas une chaîne de caractères.',
      'Corrigez le champ `email` : une adresse e-mail valide est attendue.',
      "Corrigez le champ `extra` : le champ « b » n'est pas attendu : retirez-le.",
    ]);
    const fr = error.recommendations('fr');
    expect(fr).toEqual([
      ...issues.slice(0, 3),
      "Et 5 autres problèmes (tous figurent dans le détail de l'erreur).",
      "Rien n'a été enregistré : soumettez de nouveau une fois la correction faite.",
    ]);
    for (const line of [...issues, ...fr]) expect(withoutCode(line ?? ''), line).not.toMatch(english);
  });

  it('says a missing field is required, and keeps a custom rule’s own words', async () => {
    const schema = z.object({
      url: z.string(),
      pages: z.number().refine((n) => n % 2 === 0, 'Doit être pair'),
    });
    const error = await validationError(schema, { pages: 3 });
    expect(error.recommendations('fr').slice(0, 2)).toEqual([
      'Renseignez le champ `url` : il est obligatoire.',
      "Corrigez le champ `pages` : la règle du schéma n'est pas respectée : « Doit être pair ».",
    ]);
  });

  it('renders a stored error in French too, and gives the CLI one call to print it', async () => {
    const backend = backends.find((b) => b.name === 'pglite') ?? backends[0]!;
    const pipeline = definePipeline({
      name: 'strict',
      input: z.object({ n: z.number().min(1) }),
      run: async () => null,
    });
    const hf = await testHoldfast(backend, { pipelines: [pipeline] });
    const error = await hf.submit(pipeline, { n: 0 }).catch((e: unknown) => e);
    expect(hasCode(error, 'VALIDATION_ERROR')).toBe(true);
    // As an API answer or a job's error column stores it, then read back.
    const stored = HoldfastError.fromJSON(JSON.parse(JSON.stringify(error)));
    expect(stored.recommendations('fr')[0]).toBe(
      'Corrigez le champ `n` : la valeur doit être supérieure ou égale à 1.',
    );
    expect(renderError(stored, 'fr')).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'Entrée invalide : champ `n`',
      recommendations: [
        'Corrigez le champ `n` : la valeur doit être supérieure ou égale à 1.',
        "Rien n'a été enregistré : soumettez de nouveau une fois la correction faite.",
      ],
    });
    expect(formatError(stored, 'fr')).toBe(
      [
        'VALIDATION_ERROR: Entrée invalide : champ `n`',
        '  - Corrigez le champ `n` : la valeur doit être supérieure ou égale à 1.',
        "  - Rien n'a été enregistré : soumettez de nouveau une fois la correction faite.",
        '',
      ].join('\n'),
    );
    expect(formatError(new Error('boom'), 'en')).toMatch(/^INTERNAL: Internal error: boom\n/);
  });
});
