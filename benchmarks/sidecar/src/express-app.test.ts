import { describe, expect, it } from 'vitest';
import { expressListener } from './express-app.js';

describe('expressListener', () => {
  it('refuses a sidecar mount without a sidecar, naming the mount', () => {
    const app = { sidecar: undefined, body: 'x', onRequest: (): void => {} };
    expect(() => expressListener({ ...app, mount: 'wrapped' })).toThrow(
      /"wrapped" needs a sidecar/,
    );
    expect(() => expressListener({ ...app, mount: 'middleware' })).toThrow(/"middleware"/);
    expect(typeof expressListener({ ...app, mount: 'noop' })).toBe('function');
  });
});
