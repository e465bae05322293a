import type { Config } from '../search-space/search-space.ts';

/** Placeholders every command may use besides its parameters. */
export const BUILT_IN_PLACEHOLDERS = ['seed', 'trial', 'config_file'] as const;

/**
 * A command line as words, split as a POSIX shell splits them (spaces; '...' and "..." quote;
 * \ escapes) but never run by a shell: a configuration's values fill {placeholders} inside
 * words and cannot add words, pipes, redirections or substitutions.
 */
export function splitCommand(template: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (template[i + 1] === '"' || template[i + 1] === '\\'))
        word += template[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < template.length) {
      word += template[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`the command has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error('the command is empty');
  return words;
}

/** The {names} a template uses. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))];
}

/**
 * Refuses a template that names a placeholder that is neither a parameter nor built in, so a typo
 * is one error before the campaign rather than every trial failing.
 */
export function checkPlaceholders(template: string, params: readonly string[]): void {
  const known = new Set<string>([...params, ...BUILT_IN_PLACEHOLDERS]);
  const unknown = placeholdersOf(template).filter((p) => !known.has(p));
  if (unknown.length > 0)
    throw new Error(
      `the command uses ${unknown.map((p) => `{${p}}`).join(', ')}, which the space does not define (parameters: ${params.join(', ')}; also {seed}, {trial}, {config_file})`,
    );
}

/**
 * The argv of one trial: each word with its placeholders filled. A parameter that does not
 * apply to this configuration (its condition is false) fills in as an empty string; the whole
 * configuration is in LGT_CONFIG for code that needs to know.
 */
export function commandArgv(
  template: string,
  config: Config,
  builtIns: Record<(typeof BUILT_IN_PLACEHOLDERS)[number], string>,
): string[] {
  return splitCommand(template).map((word) =>
    word.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      if (name in builtIns) return builtIns[name as keyof typeof builtIns];
      const value = config[name];
      return value === undefined ? '' : String(value);
    }),
  );
}
