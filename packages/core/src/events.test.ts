import { describe, expect, it } from 'vitest';
import { SEVERITIES, severityRank } from './events.js';

describe('severityRank', () => {
  it('orders severities from info to critical', () => {
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2, 3]);
    expect(severityRank('critical')).toBeGreaterThan(severityRank('warning'));
  });
});
