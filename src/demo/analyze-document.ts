import { z } from 'zod';
import { definePipeline } from '../runtime/pipeline.js';

/**
 * Tender analysis, as in the field notes: extract the document into chunks, embed every chunk
 * (progress reported chunk by chunk, vectors written only if the whole step succeeds), then ask a
 * model for the key requirements. A retry resumes at the step that failed.
 */
export const analyzeDocument = definePipeline({
  name: 'analyze-document',
  input: z.object({ title: z.string().min(1), pages: z.number().int().min(1).max(200) }),
  timeout: '10m',
  retry: { attempts: 3, backoff: { initial: '2s', max: '30s' } },
  steps: ['extract', 'embed', 'analyze'],
  estimate: (input) => ({ 'openai:tokens': 120 * input.pages * 3, 'anthropic:tokens': 2_000 }),
  budget: { 'openai:tokens': 100_000 },
  run: async ({ input, step, job }) => {
    const chunks = await step.run('extract', () =>
      Array.from(
        { length: input.pages * 3 },
        (_, i) => `${input.title}, section ${i + 1}: delivery terms, penalties and payment milestones.`,
      ),
    );
    const embedded = await step.run('embed', { timeout: '2m' }, async (ctx) => {
      const vectors: number[][] = [];
      for (const [i, chunk] of chunks.entries()) {
        const res = await ctx.call<{ data: Array<{ embedding: number[] }> }>('openai', {
          path: '/v1/embeddings',
          body: { model: 'text-embedding-3-small', input: chunk, dimensions: 8, encoding_format: 'float' },
        });
        vectors.push(res.body.data[0]!.embedding);
        ctx.progress(i + 1, chunks.length, 'chunks');
      }
      // Staged: these rows appear only with the step's checkpoint, never half of them.
      ctx.write((sql) =>
        sql.query(
          `insert into demo_embeddings (job_id, chunk, vector)
           select $1, ordinality - 1, value from jsonb_array_elements($2::jsonb) with ordinality`,
          [job.id, JSON.stringify(vectors)],
        ),
      );
      return vectors.length;
    });
    const requirements = await step.run('analyze', async (ctx) => {
      const res = await ctx.call<{ content: Array<{ text: string }> }>('anthropic', {
        path: '/v1/messages',
        body: {
          model: 'claude-haiku-4-5',
          max_tokens: 300,
          system: 'You list the key requirements of public tenders.',
          messages: [
            { role: 'user', content: `Key requirements of "${input.title}" (${embedded} sections).` },
          ],
        },
      });
      return res.body.content[0]!.text;
    });
    return { sections: embedded, requirements };
  },
});
