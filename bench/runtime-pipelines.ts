import { definePipeline } from '../src/runtime/pipeline.js';

/** No-op pipelines: what is measured is the runtime's own cost per job and per step. */
export const oneStep = definePipeline({
  name: 'noop-1',
  run: async ({ step }) => step.run('a', () => 1),
});

export const threeSteps = definePipeline({
  name: 'noop-3',
  run: async ({ step }) => {
    await step.run('a', () => 1);
    await step.run('b', () => 2);
    return step.run('c', () => 3);
  },
});

export const benchPipelines = [oneStep, threeSteps];
