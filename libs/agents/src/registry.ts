import type { Agent } from './sdk';
import { UnknownAgentError } from './errors';
import { OFFLINE_AGENTS } from './offline';

/** Agents by name. Phase YAML names them; swapping one is a config change. */
export class AgentRegistry {
  private readonly agents = new Map<string, Agent>();

  constructor(agents: Agent[] = OFFLINE_AGENTS) {
    for (const a of agents) this.register(a);
  }

  register(agent: Agent): void {
    if (this.agents.has(agent.name)) throw new Error(`agent ${agent.name} registered twice`);
    this.agents.set(agent.name, agent);
  }

  get(name: string): Agent {
    const a = this.agents.get(name);
    if (!a) throw new UnknownAgentError(name);
    return a;
  }

  has(name: string): boolean {
    return this.agents.has(name);
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }
}
