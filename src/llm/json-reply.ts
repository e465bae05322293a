import type { z } from 'zod';

export type ParsedReply<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * The JSON object in a model's reply: the whole text, or inside a ```json fence, or the first
 * balanced {...} in prose (servers that ignore the structured-output schema wrap it in words).
 */
export function extractJson(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    // keep looking
  }
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(trimmed);
  if (fenced) {
    try {
      return JSON.parse(fenced[1]!.trim());
    } catch {
      // keep looking
    }
  }
  const start = trimmed.indexOf('{');
  if (start >= 0) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < trimmed.length; i++) {
      const ch = trimmed[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) return JSON.parse(trimmed.slice(start, i + 1));
    }
  }
  throw new Error('the reply contains no JSON object');
}

/** Extracts and validates a reply; the problem, in words, is what a repair turn sends back. */
export function parseReply<T>(text: string, schema: z.ZodType<T>): ParsedReply<T> {
  let json: unknown;
  try {
    json = extractJson(text);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map(
    (i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`,
  );
  return { ok: false, problem: `it does not match the schema: ${issues.join('; ')}` };
}
