import { describe, expect, it } from 'vitest';
import { guessRoute, isPath, originForm, pathOf, underPrefix } from './route.js';

describe('route helpers', () => {
  it('guesses route templates from raw paths', () => {
    expect(guessRoute(undefined)).toBe('/');
    expect(guessRoute('/')).toBe('/');
    expect(guessRoute('/?q=1')).toBe('/');
    expect(guessRoute('/users')).toBe('/users');
    expect(guessRoute('/users/')).toBe('/users');
    expect(guessRoute('/users/42?x=1')).toBe('/users/:id');
    expect(guessRoute('/users/42/orders/7')).toBe('/users/:id/orders/:id');
    expect(guessRoute('/o/3f2a9c1b')).toBe('/o/:id');
    expect(guessRoute('/o/cafe')).toBe('/o/cafe'); // short hex is a word
    expect(guessRoute('/o/123e4567-e89b-12d3-a456-426614174000')).toBe('/o/:id');
    expect(guessRoute('/o/' + 'x'.repeat(40))).toBe('/o/:id');
    expect(guessRoute('/a/b/c/d/e/f')).toBe('/a/b/c/d/*');
    expect(guessRoute('/a/b/c/d')).toBe('/a/b/c/d');
    expect(guessRoute('/my-page/about-us')).toBe('/my-page/about-us');
    expect(guessRoute('no-slash')).toBe('/');
  });

  it('matches exact paths and path prefixes', () => {
    expect(pathOf('/a?b')).toBe('/a');
    expect(isPath('/metrics', '/metrics')).toBe(true);
    expect(isPath('/metrics?x=1', '/metrics')).toBe(true);
    expect(isPath('/metricsx', '/metrics')).toBe(false);
    expect(underPrefix('/health/db', '/health')).toBe(true);
    expect(underPrefix('/healthy', '/health')).toBe(false);
    expect(underPrefix('/api/x', '/api/')).toBe(true);
  });

  it('cuts request targets in absolute form to their path and query', () => {
    expect(originForm('http://example.com/healthz')).toBe('/healthz');
    expect(originForm('https://example.com:8443/users/42?x=1')).toBe('/users/42?x=1');
    expect(originForm('HTTP://Example.com')).toBe('/');
    expect(originForm('http://example.com?q=1')).toBe('/?q=1');
    expect(originForm('http://[::1]:80/a')).toBe('/a');
    // Not absolute form: returned as it is.
    expect(originForm('/a/http://b')).toBe('/a/http://b');
    expect(originForm('*')).toBe('*');
    expect(originForm('example.com:443')).toBe('example.com:443');
    expect(originForm('://x/y')).toBe('://x/y');
    expect(originForm('1http://x/y')).toBe('1http://x/y');
    expect(originForm('')).toBe('');
  });
});
