import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const script = join(repoRoot, 'scripts', 'check-readmes.ts');

let dir: string;

function pkg(name: string, readme: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'README.md'), readme);
}
const quick = (code: string): string =>
  `# x\n\n## Quick start\n\n\`\`\`ts\n${code}\n\`\`\`\n\n## API\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-readmes-'));
  pkg('good', quick("const n: number = 2;\nconsole.log('sum', n + 2);"));
  pkg('throws', quick("throw new Error('boom in quick start');"));
  pkg('hangs', quick('setInterval(() => {}, 1000);'));
  pkg('none', '# no quick start here\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check-readmes', () => {
  it('passes a block that exits 0 and reports the others with the reason', async () => {
    let code = 0;
    let stdout = '';
    try {
      await run(tsx, [script, '--packages', dir, '--timeout', '5']);
    } catch (e) {
      ({ code, stdout } = e as { code: number; stdout: string });
    }
    expect(code).toBe(1);
    const line = (name: string): string =>
      stdout.split('\n').find((l) => l.startsWith(`| ${name} |`)) ?? '';
    expect(line('good')).toMatch(/\| pass \|.*sum 4/);
    expect(line('throws')).toMatch(/\| FAIL \|.*boom in quick start/);
    expect(line('hangs')).toMatch(/\| FAIL \|.*did not exit within 5 s/);
    expect(line('none')).toMatch(/\| FAIL \|.*no ```ts block/);
    for (const name of ['good', 'throws', 'hangs']) {
      expect(readdirSync(join(dir, name))).toEqual(['README.md']); // temporary files removed
    }
  });

  it('exits 0 when every selected README passes', async () => {
    const r = await run(tsx, [script, '--packages', dir, 'good']);
    expect(r.stdout).toContain('| good | 1/1 | pass |');
    expect(existsSync(join(dir, 'good', 'README.md'))).toBe(true);
  });
});
