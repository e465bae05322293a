import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

/**
 * Every `lgt` command in the README's and the guides' shell blocks names a real command and only
 * flags that command has, and every link between them leads somewhere, so a renamed flag, command
 * or section fails here before a reader trips on it.
 */
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Documented {
  file: string;
  line: number;
  words: string[];
}

/** Shell words of a command line: quotes kept together, a comment dropped. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '#' && !inWord) {
      break;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The `lgt ...` commands of a Markdown file's sh blocks, continuation lines joined. */
function documentedCommands(file: string): Documented[] {
  const lines = readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
  const found: Documented[] = [];
  let inSh = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(line);
      continue;
    }
    if (!inSh) continue;
    let text = line;
    const start = i;
    while (text.trimEnd().endsWith('\\') && i + 1 < lines.length)
      text = `${text.trimEnd().slice(0, -1)} ${lines[++i]!}`;
    for (const part of text.split(/&&|;|\|/)) {
      const words = shellWords(part);
      const at = words.findIndex(
        (w, k) => w === 'lgt' && (k === 0 || words[k - 1] === 'npx' || /=/.test(words[k - 1]!)),
      );
      const binAt = words.findIndex((w) => w.endsWith('bin/lgt.js'));
      const from = at >= 0 ? at : binAt;
      if (from >= 0) found.push({ file, line: start + 1, words: words.slice(from + 1) });
    }
  }
  return found;
}

function optionNames(command: Command): Set<string> {
  const names = new Set(['--help', '-h']);
  for (const o of command.options) {
    if (o.long) names.add(o.long);
    if (o.short) names.add(o.short);
  }
  return names;
}

describe('the commands the documentation shows', () => {
  it('are real commands with real flags', async () => {
    const program = await createProgram();
    const commands = DOCS.flatMap(documentedCommands);
    // Enough to mean something: the guides show dozens.
    expect(commands.length).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const { file, line, words } of commands) {
      const where = `${file}:${line}: lgt ${words.join(' ')}`;
      const [name, ...rest] = words;
      if (name === undefined) continue;
      if (name.startsWith('-')) {
        if (!optionNames(program).has(name.split('=')[0]!)) problems.push(`${where}: no ${name}`);
        continue;
      }
      const command = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
      if (!command) {
        problems.push(`${where}: no command ${name}`);
        continue;
      }
      const known = optionNames(command);
      for (const w of rest) {
        if (!w.startsWith('-') || w === '-' || /^-\d/.test(w)) continue;
        const flag = w.split('=')[0]!;
        if (!known.has(flag)) problems.push(`${where}: lgt ${name} has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('finds a flag that does not exist (the check can fail)', async () => {
    const program = await createProgram();
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(optionNames(run).has('--trials')).toBe(true);
    expect(optionNames(run).has('--trails')).toBe(false);
    expect(shellWords(`lgt run --config '{"a": 1}' # a comment --nope`)).toEqual([
      'lgt',
      'run',
      '--config',
      '{"a": 1}',
    ]);
  });

  it('link to files and sections that exist', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}_\- ]/gu, '')
        .replace(/ /g, '-');
    const anchorsOf = (file: string): Set<string> => {
      const anchors = new Set<string>();
      let fence = false;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.startsWith('```')) fence = !fence;
        const heading = !fence && /^#{1,6} (.*)$/.exec(line);
        if (heading) anchors.add(slug(heading[1]!));
      }
      return anchors;
    };
    const broken: string[] = [];
    let links = 0;
    for (const doc of DOCS) {
      const file = path.join(REPO_ROOT, doc);
      for (const [, link] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(link!)) continue;
        links++;
        const [target, anchor] = link!.split('#');
        const to = target ? path.resolve(path.dirname(file), target) : file;
        if (!existsSync(to)) broken.push(`${doc}: ${link} (no such file)`);
        else if (anchor && to.endsWith('.md') && !anchorsOf(to).has(anchor))
          broken.push(`${doc}: ${link} (no such section)`);
      }
    }
    expect(links).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });
});
