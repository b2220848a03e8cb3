import { z } from 'zod';
import { definePipeline } from '../runtime/pipeline.js';

/**
 * Product sourcing on a token-metered API, as in the field notes: the job is estimated before it
 * starts (one token per ASIN), capped at 200 tokens, never looks up an ASIN twice, and waits for
 * the bucket to refill instead of failing when tokens run short.
 */
export const productSourcing = definePipeline({
  name: 'product-sourcing',
  input: z.object({ category: z.string().min(1), maxResults: z.number().int().min(1).max(500) }),
  timeout: '2h',
  budgetMode: 'wait',
  steps: ['discover', 'lookup', 'score'],
  estimate: (input) => ({ 'keepa:tokens': input.maxResults }),
  budget: { 'keepa:tokens': 200 },
  run: async ({ input, step }) => {
    // Discovery returns duplicates, as real product finders do; they are dropped before paying.
    const asins = await step.run('discover', () => {
      const found = Array.from(
        { length: input.maxResults },
        (_, i) =>
          `B0${input.category.length}${String(i % Math.ceil(input.maxResults * 0.8)).padStart(7, '0')}`,
      );
      return [...new Set(found)];
    });
    const products = await step.run('lookup', async (ctx) => {
      const out: Array<{ asin: string; price: number }> = [];
      for (let i = 0; i < asins.length; i += 10) {
        const batch = asins.slice(i, i + 10);
        const res = await ctx.call<{ products: Array<{ asin: string; stats: { buyBoxPrice: number } }> }>(
          'keepa',
          {
            method: 'GET',
            path: '/product',
            query: { domain: 1, asin: batch.join(',') },
          },
        );
        out.push(...res.body.products.map((p) => ({ asin: p.asin, price: p.stats.buyBoxPrice / 100 })));
        ctx.progress(Math.min(i + 10, asins.length), asins.length, 'ASINs');
      }
      return out;
    });
    const ranking = await step.run('score', async (ctx) => {
      const res = await ctx.call<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }> }>(
        'gemini',
        {
          path: '/v1beta/models/gemini-2.5-flash:generateContent',
          body: {
            contents: [
              {
                role: 'user',
                parts: [{ text: `Rank ${products.length} ${input.category} products by margin.` }],
              },
            ],
            generationConfig: { maxOutputTokens: 200 },
          },
        },
      );
      return res.body.candidates[0]!.content.parts[0]!.text;
    });
    return { unique: asins.length, lookedUp: products.length, ranking };
  },
});
