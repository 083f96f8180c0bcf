import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Agent, AGENT_INPUT_SCHEMA, InvalidAgentOutputError, AgentError } from '@ideamine/agents';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const cache = new Map<string, ValidateFunction>();
const validateInput = ajv.compile(AGENT_INPUT_SCHEMA);

const describe = (v: ValidateFunction) =>
  (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');

/** LLM output that does not fit the agent's schema is an error class of its own (retryable). */
export function assertValidOutput(agent: Agent, output: unknown): void {
  let v = cache.get(agent.name);
  if (!v) {
    v = ajv.compile(agent.outputSchema);
    cache.set(agent.name, v);
  }
  if (!v(output)) throw new InvalidAgentOutputError(agent.name, describe(v));
}

export function assertValidInput(agent: Agent, input: unknown): void {
  if (!validateInput(input)) throw new AgentError('fatal', `input for ${agent.name} is invalid: ${describe(validateInput)}`, false);
}
