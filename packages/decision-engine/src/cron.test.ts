import { describe, expect, it } from 'vitest';
import { ConfigError } from '@homeostat/core';
import { createFreezeCalendar, parseCron } from './cron.js';

const at = (iso: string) => Date.parse(iso);

describe('parseCron', () => {
  it.each([
    ['* * * * *', '2026-11-22T21:07:00Z', true],
    ['0 * * * *', '2026-11-22T21:00:30Z', true],
    ['0 * * * *', '2026-11-22T21:01:00Z', false],
    ['*/15 * * * *', '2026-11-22T21:45:00Z', true],
    ['*/15 * * * *', '2026-11-22T21:46:00Z', false],
    ['* 0-7,20-23 * * *', '2026-11-22T21:00:00Z', true],
    ['* 0-7,20-23 * * *', '2026-11-22T12:00:00Z', false],
    ['* 9-17 * * mon-fri', '2026-11-23T10:00:00Z', true], // Monday
    ['* 9-17 * * mon-fri', '2026-11-22T10:00:00Z', false], // Sunday
    ['* * * * sat,sun', '2026-11-22T10:00:00Z', true],
    ['* * * * 7', '2026-11-22T10:00:00Z', true], // 7 is Sunday too
    ['* * * * 0', '2026-11-22T10:00:00Z', true],
    ['* * 24-31 dec *', '2026-12-25T10:00:00Z', true],
    ['* * 24-31 dec *', '2026-11-25T10:00:00Z', false],
    ['* * 1 * mon', '2026-11-23T10:00:00Z', true], // both day fields restricted: OR
    ['* * 1 * mon', '2026-11-01T10:00:00Z', true],
    ['* * 1 * mon', '2026-11-24T10:00:00Z', false],
    ['* * */2 * *', '2026-11-03T00:00:00Z', true], // 1, 3, 5 …
    ['0-30/10 * * * *', '2026-11-03T00:20:00Z', true],
    ['0-30/10 * * * *', '2026-11-03T00:40:00Z', false],
    ['5/20 * * * *', '2026-11-03T00:45:00Z', true],
  ])('%s at %s → %s', (expr, iso, expected) => {
    expect(parseCron(expr).matches(at(iso))).toBe(expected);
  });

  it('applies a UTC offset', () => {
    // 23:30 UTC is 01:30 at +02:00.
    expect(parseCron('* 1 * * *', 120).matches(at('2026-11-22T23:30:00Z'))).toBe(true);
    expect(parseCron('* 1 * * *').matches(at('2026-11-22T23:30:00Z'))).toBe(false);
  });

  it.each([
    ['* * * *', /5 fields/],
    ['60 * * * *', /outside 0-59 in the minute field/],
    ['* 24 * * *', /hour/],
    ['* * 0 * *', /day of month/],
    ['* * * 13 *', /month/],
    ['* * * * 8', /day of week/],
    ['*/0 * * * *', /step/],
    ['5-1 * * * *', /backwards/],
    ['x * * * *', /not a number/],
    ['1,,2 * * * *', /empty/],
  ])('refuses %s', (expr, re) => {
    expect(() => parseCron(expr)).toThrow(ConfigError);
    expect(() => parseCron(expr)).toThrow(re);
  });
});

describe('createFreezeCalendar', () => {
  const cal = createFreezeCalendar({
    windows: [
      { name: 'weekend', cron: '* * * * sat,sun' },
      { name: 'year-end', from: '2026-12-20T00:00:00Z', to: '2027-01-04T00:00:00Z' },
      { from: at('2026-11-25T12:00:00Z'), to: at('2026-11-25T13:00:00Z') },
    ],
  });
  it('says which window freezes a moment', () => {
    expect(cal.frozenBy(at('2026-11-22T10:00:00Z'))).toMatch(/^weekend/);
    expect(cal.frozenBy(at('2026-12-23T10:00:00Z'))).toMatch(/^year-end/);
    expect(cal.frozenBy(at('2026-11-25T12:30:00Z'))).toMatch(/^window 2/);
    expect(cal.frozenBy(at('2026-11-25T13:00:00Z'))).toBeUndefined(); // [from, to)
    expect(cal.frozenBy(at('2026-11-24T10:00:00Z'))).toBeUndefined();
  });
  it('refuses bad windows with their path', () => {
    expect(() => createFreezeCalendar({ windows: [{ from: 10, to: 5 }] })).toThrow(/after/);
    expect(() => createFreezeCalendar({ windows: [{ from: 'soon', to: 5 }] })).toThrow(
      /not a time/,
    );
    expect(() => createFreezeCalendar({ windows: [{ cron: '* *' }] })).toThrow(/windows\.0\.cron/);
  });
});

describe('freeze window shape', () => {
  it('needs cron or a full interval, not both', () => {
    expect(() => createFreezeCalendar({ windows: [{ name: 'x' }] })).toThrow(/needs "cron"/);
    expect(() =>
      createFreezeCalendar({ windows: [{ cron: '* * * * *', from: 0, to: 1 }] }),
    ).toThrow(/not both/);
    expect(() => createFreezeCalendar({ windows: [{ from: 0 }] })).toThrow(/both "from" and "to"/);
  });
});
