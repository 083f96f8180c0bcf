import type { AgentContext } from '../sdk';
import { asArray, asRecord, bullets, isRecord, narrate } from './util';

/** Long documents written one section per step, with a checkpoint after each so a restart skips finished ones. */
export interface SectionPlan {
  id: string;
  heading: string;
  facts: string[];
}

export interface Section {
  id: string;
  heading: string;
  body: string;
}

/** A saved state is usable only if it holds exactly the sections of the steps it claims, in plan order. */
export function resumableSections(saved: { step: number; state: unknown } | undefined, plans: SectionPlan[]): Section[] {
  if (!saved) return [];
  const sections = asArray(asRecord(saved.state).sections).filter((s): s is Section => isRecord(s) && typeof s.id === 'string' && typeof s.heading === 'string' && typeof s.body === 'string');
  if (saved.step !== sections.length || saved.step > plans.length) return [];
  return sections.every((s, i) => s.id === plans[i].id) ? sections : [];
}

/**
 * Writes each planned section (a short narrative from the model, then the facts as bullets),
 * resuming after the last checkpointed step.
 */
export async function writeSections(ctx: AgentContext, plans: SectionPlan[], document: string, maxTokens = 120): Promise<Section[]> {
  const sections = resumableSections(await ctx.checkpoint.load(), plans);
  if (sections.length) ctx.progress(Math.round((sections.length / plans.length) * 100), `resumed after ${sections.length} sections`);
  for (let step = sections.length; step < plans.length; step++) {
    const plan = plans[step];
    const narrative = await narrate(ctx, `Write the "${plan.heading}" section of ${document}.`, plan.facts, maxTokens);
    sections.push({ id: plan.id, heading: plan.heading, body: `${narrative}\n\n${bullets(plan.facts)}` });
    await ctx.checkpoint.save(step + 1, { sections });
    ctx.heartbeat();
    ctx.progress(Math.round(((step + 1) / plans.length) * 100), plan.heading);
  }
  return sections;
}

export const toMarkdown = (title: string, sections: Section[]) => [`# ${title}`, ...sections.map((s) => `## ${s.heading}\n\n${s.body}`)].join('\n\n') + '\n';
