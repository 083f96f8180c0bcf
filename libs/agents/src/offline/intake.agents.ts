import type { Agent } from '../sdk';
import { analyzeIdea } from './analysis';

/** IdeaSpec: title, problem, personas, capabilities, domain and compliance, all read off the idea. */
export const IdeaParserAgent: Agent = {
  name: 'IdeaParserAgent',
  description: 'Parses the idea text into a structured IdeaSpec',
  outputSchema: {
    type: 'object',
    required: ['ideaSpec'],
    properties: {
      ideaSpec: {
        type: 'object',
        required: ['title', 'problem', 'domain', 'personas', 'capabilities', 'keywords', 'compliance'],
        properties: {
          title: { type: 'string', minLength: 1 },
          problem: { type: 'string' },
          domain: { type: 'string' },
          personas: { type: 'array', items: { type: 'string' }, minItems: 1 },
          capabilities: { type: 'array', minItems: 1 },
          keywords: { type: 'array', items: { type: 'string' } },
          compliance: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  async run(ctx) {
    const a = analyzeIdea(ctx.input.idea);
    ctx.progress(30, 'analysed idea text');
    const problem = await ctx.llm.complete({
      system: 'Summarise the problem this product solves in two sentences.',
      prompt: ctx.input.idea.idea,
      maxTokens: 120,
    });
    ctx.progress(100);
    return {
      ideaSpec: {
        title: a.title,
        summary: a.summary,
        problem: problem || a.summary,
        domain: a.domain,
        personas: a.personas,
        capabilities: a.capabilities,
        keywords: a.keywords,
        entities: a.entities,
        compliance: a.compliance,
        dataSensitivity: a.dataSensitivity,
      },
    };
  },
};

/** Hard constraints (given and implied by the domain), each with where it came from. */
export const ConstraintExtractorAgent: Agent = {
  name: 'ConstraintExtractorAgent',
  description: 'Lists explicit and implied constraints',
  outputSchema: {
    type: 'object',
    required: ['constraints'],
    properties: { constraints: { type: 'array', items: { type: 'object', required: ['id', 'text', 'source'] } } },
  },
  async run(ctx) {
    const a = analyzeIdea(ctx.input.idea);
    const given = ctx.input.idea.constraints.map((text, i) => ({ id: `CON-${i + 1}`, text, source: 'submitted' }));
    const implied = a.compliance.map((c, i) => ({ id: `CON-${given.length + i + 1}`, text: `Comply with ${c}`, source: `implied by ${a.domain === 'general' ? 'the idea' : `the ${a.domain} domain`}` }));
    if (a.dataSensitivity === 'high') implied.push({ id: `CON-${given.length + implied.length + 1}`, text: 'Encrypt sensitive data at rest and in transit', source: 'data sensitivity: high' });
    return { constraints: [...given, ...implied] };
  },
};
