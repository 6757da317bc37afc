/** Reading and writing M4-style CSV files: one row per series, id first, empty cells as padding. */
import { readFileSync, writeFileSync } from 'node:fs';

/** One series of an M4 file. */
export interface Series {
  readonly id: string;
  readonly values: number[];
}

const unquote = (s: string): string => s.trim().replace(/^"(.*)"$/, '$1');

/**
 * Parses an M4 CSV file (header row skipped when its first cell is not a series id).
 *
 * @throws {Error} naming the file, line and column of a value that is not a number.
 */
export function parseM4(text: string, file = 'input'): Series[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const out: Series[] = [];
  lines.forEach((line, li) => {
    const cells = line.split(',').map(unquote);
    const id = cells[0] ?? '';
    if (li === 0 && (/^V?1$/i.test(id) || id.toLowerCase() === 'id')) return;
    const values: number[] = [];
    for (let c = 1; c < cells.length; c++) {
      const cell = cells[c]!;
      if (cell === '' || cell === 'NA') continue;
      const v = Number(cell);
      if (!Number.isFinite(v))
        throw new Error(
          `${file}:${li + 1}: column ${c + 1} is not a number (${JSON.stringify(cell)})`,
        );
      values.push(v);
    }
    out.push({ id, values });
  });
  return out;
}

/** Reads an M4 CSV file. */
export function readM4(file: string): Series[] {
  return parseM4(readFileSync(file, 'utf8'), file);
}

/** Formats forecasts as `id,F1,…,Fh` CSV text. */
export function formatForecasts(
  rows: readonly { id: string; mean: readonly number[] }[],
  h: number,
): string {
  const header = ['id', ...Array.from({ length: h }, (_, i) => `F${i + 1}`)].join(',');
  const body = rows.map((r) =>
    [r.id, ...r.mean.map((v) => String(Number(v.toPrecision(10))))].join(','),
  );
  return [header, ...body].join('\n') + '\n';
}

/** Writes forecasts as `id,F1,…,Fh` CSV. */
export function writeForecasts(
  file: string,
  rows: readonly { id: string; mean: readonly number[] }[],
  h: number,
): void {
  writeFileSync(file, formatForecasts(rows, h));
}
