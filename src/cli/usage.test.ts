// The CLI's usage is written once (usage.ts): --help prints it, it names exactly the options predict.ts
// parses, and README.md shows it as it is.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpText, PACKAGE_COMMAND, REPOSITORY_COMMAND } from './usage';

/** The options predict.ts hands to parseArgs, read from its source (importing it would run the CLI). */
function parsedOptions(): string[] {
  const source = readFileSync('src/cli/predict.ts', 'utf8');
  const block = /options: \{\n([\s\S]*?)\n {4}\},\n/.exec(source)?.[1];
  if (!block) throw new Error("predict.ts's parseArgs options were not found");
  return [...block.matchAll(/^ {6}'?([a-z-]+)'?: \{ type:/gm)].map((m) => m[1]);
}

describe('the CLI usage', () => {
  it('names exactly the options the CLI parses', () => {
    const options = parsedOptions();
    expect(options).toContain('crop');
    expect(options).toContain('help');
    const named = [...helpText(REPOSITORY_COMMAND).matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
    expect([...named].sort()).toEqual([...options].sort());
  });

  it('is README.md\'s block under "## The command line", word for word', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('\n## The command line\n'));
    const block = /\n```text\n([\s\S]*?)\n```\n/.exec(section)?.[1];
    expect(block).toBe(helpText(REPOSITORY_COMMAND));
  });

  it('is what --help prints, with the command as it was started', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/predict.ts', '--help'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${helpText(REPOSITORY_COMMAND)}\n`);
    expect(helpText(PACKAGE_COMMAND)).toMatch(/^usage: npx agegender \[OPTION\]\.\.\. PATH\.\.\./);
  });

  it('answers a usage error with its first line and exit status 2', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/predict.ts', '--shard', '3/2', 'x.jpg'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`usage: ${REPOSITORY_COMMAND} [OPTION]... PATH...\n(--help for every option)`);
  });
});
