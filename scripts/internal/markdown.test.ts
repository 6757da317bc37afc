import { describe, expect, it } from 'vitest';
import { quickStartBlocks } from './markdown.js';

describe('quickStartBlocks', () => {
  it('takes the ts blocks under "Quick start" only, up to the next heading of its level', () => {
    const md = [
      '# pkg',
      '```ts',
      'before();',
      '```',
      '## Quick start',
      '<!-- prettier-ignore -->',
      '```ts',
      'one();',
      '# not a heading inside code',
      '```',
      '```sh',
      'pnpm add pkg',
      '```',
      '### Sub-heading stays inside',
      '```typescript',
      'two();',
      '```',
      '## API',
      '```ts',
      'after();',
      '```',
    ].join('\n');
    expect(quickStartBlocks(md)).toEqual(['one();\n# not a heading inside code\n', 'two();\n']);
  });

  it('returns nothing without a Quick start heading', () => {
    expect(quickStartBlocks('# x\n```ts\na();\n```\n')).toEqual([]);
  });
});
