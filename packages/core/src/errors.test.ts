import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  HomeostatError,
  InputError,
  OperatorError,
  isHomeostatError,
} from './errors.js';

describe('HomeostatError', () => {
  it('carries a code, a brand, its class name and the cause', () => {
    const cause = new Error('boom');
    class MyError extends HomeostatError<'MY_CODE'> {
      constructor() {
        super('MY_CODE', 'it broke', { cause });
      }
    }
    const e = new MyError();
    expect(e.code).toBe('MY_CODE');
    expect(e.name).toBe('MyError');
    expect(e.isHomeostatError).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('it broke');
  });

  it('isHomeostatError recognises the brand, not the class', () => {
    expect(isHomeostatError(new HomeostatError('X', 'x'))).toBe(true);
    // A copy from another module instance (ESM + CJS) has a different class but the same brand.
    expect(isHomeostatError({ isHomeostatError: true, code: 'X', message: 'x' })).toBe(true);
    expect(isHomeostatError(new Error('x'))).toBe(false);
    expect(isHomeostatError(null)).toBe(false);
    expect(isHomeostatError({ isHomeostatError: true })).toBe(false);
  });
});

describe('ConfigError and InputError', () => {
  it('list every issue with its path and the source in the message', () => {
    const e = new ConfigError(
      [
        { path: 'steps.2.timeoutMs', message: 'must be positive' },
        { path: '', message: 'unknown key' },
      ],
      { source: 'restart.yaml' },
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.source).toBe('restart.yaml');
    expect(e.issues).toHaveLength(2);
    expect(e.message).toContain('restart.yaml');
    expect(e.message).toContain('steps.2.timeoutMs: must be positive');
    expect(e.message).toContain('(root): unknown key');
    const i = new InputError([{ path: 'alerts.0', message: 'bad' }]);
    expect(i.code).toBe('INPUT_INVALID');
    expect(i.message).toContain('alerts.0: bad');
  });
});

describe('OperatorError', () => {
  it('names the operator, keeps the event and the cause', () => {
    const cause = new TypeError('nope');
    const e = new OperatorError('detect', { series: 'a' }, { cause });
    expect(e.code).toBe('OPERATOR_FAILED');
    expect(e.operator).toBe('detect');
    expect(e.event).toEqual({ series: 'a' });
    expect(e.message).toContain('detect');
    expect(e.message).toContain('nope');
    expect(e.cause).toBe(cause);
  });
});
