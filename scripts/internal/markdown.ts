// Finds the code of a README's "Quick start" section.

const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;

/**
 * The ```ts (or ```typescript) blocks under the first heading named "Quick start", up to the next
 * heading of the same or a higher level. Headings inside code blocks are ignored.
 */
export function quickStartBlocks(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: string[] = [];
  let level = 0; // level of the Quick start heading once found
  let open: { marker: string; lang: string; body: string[] } | undefined;
  for (const line of lines) {
    if (open) {
      if (line.trim().startsWith(open.marker) && line.trim().replace(/[`~]/g, '') === '') {
        if (level > 0 && (open.lang === 'ts' || open.lang === 'typescript')) {
          blocks.push(open.body.join('\n') + '\n');
        }
        open = undefined;
      } else {
        open.body.push(line);
      }
      continue;
    }
    const f = fence.exec(line);
    if (f) {
      open = { marker: f[2] ?? '```', lang: (f[3] ?? '').toLowerCase(), body: [] };
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      const hLevel = (h[1] ?? '').length;
      if (level > 0 && hLevel <= level) break;
      if (level === 0 && /^quick\s*start\b/i.test((h[2] ?? '').trim())) level = hLevel;
    }
  }
  return blocks;
}
