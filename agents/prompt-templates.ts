import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PromptTemplate } from '@langchain/core/prompts';
import type { AgentName } from '../src/llm/llm-client.ts';
import { PACKAGE_ROOT } from '../src/env/package-root.ts';

const PROMPTS_DIR = path.join(PACKAGE_ROOT, 'prompts');

/** Longest Advisor template the Optimizer may write. */
export const MAX_PROMPT_LENGTH = 8000;

/** An agent's prompt file (prompts/<agent>.md): version 0 of its template. */
export function promptFile(
  agent: AgentName | 'in-run-advisor' | 'branch-judge' | 'advisor-decision' | 'branch-decision',
): string {
  return readFileSync(path.join(PROMPTS_DIR, `${agent}.md`), 'utf8');
}

function template(text: string): PromptTemplate {
  return PromptTemplate.fromTemplate(text, { templateFormat: 'mustache' });
}

/** The {{placeholders}} of a template, in order. */
export function templateVariables(text: string): string[] {
  return [...new Set(template(text).inputVariables)];
}

/** Fills a template's placeholders (values are inserted as they are: no escaping). */
export async function renderTemplate(
  text: string,
  values: Record<string, string>,
): Promise<string> {
  const t = template(text);
  const missing = t.inputVariables.filter((v) => !(v in values));
  if (missing.length) throw new Error(`the template needs values for: ${missing.join(', ')}`);
  return t.format(values);
}

/**
 * Why a new Advisor template cannot replace the current one, or null when it can: it must parse,
 * keep every placeholder the original has, add no new ones, and stay within the length cap.
 */
export function templateProblem(candidate: string, required: string[]): string | null {
  let variables: string[];
  try {
    variables = templateVariables(candidate);
  } catch (error) {
    return `the template does not parse: ${(error as Error).message}`;
  }
  const missing = required.filter((v) => !variables.includes(v));
  if (missing.length)
    return `it drops the placeholders ${missing.map((v) => `{{${v}}}`).join(', ')}`;
  const unknown = variables.filter((v) => !required.includes(v));
  if (unknown.length)
    return `it adds placeholders nothing fills: ${unknown.map((v) => `{{${v}}}`).join(', ')}`;
  if (candidate.length > MAX_PROMPT_LENGTH)
    return `it is ${candidate.length} characters long; the limit is ${MAX_PROMPT_LENGTH}`;
  return null;
}
