import type { Agent } from '../sdk';

/** Does no work: measures the orchestration itself (bench/pipeline) and tests the plumbing. */
export const NoopAgent: Agent = {
  name: 'NoopAgent',
  description: 'Returns at once; used to benchmark the pipeline without agent work',
  outputSchema: { type: 'object', required: ['noop'], properties: { noop: { const: true } } },
  async run(ctx) {
    ctx.progress(100);
    return { noop: true, iteration: ctx.input.iteration };
  },
};
