import { describe, expect, it, vi } from 'vitest';
import { createDefaultOnError, resolveOnError } from './deps.js';
import { HomeostatError } from './errors.js';

describe('default onError', () => {
  it('logs through the logger', () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    createDefaultOnError(logger)(new HomeostatError('X', 'bad thing'));
    expect(logger.warn).toHaveBeenCalledOnce();
    expect(logger.warn.mock.calls[0]?.[0]).toContain('bad thing');
  });

  it('never throws, even when the logger or a user onError does', () => {
    const logger = {
      warn: () => {
        throw new Error('logger down');
      },
      error: () => undefined,
    };
    expect(() => createDefaultOnError(logger)(new HomeostatError('X', 'x'))).not.toThrow();
    const onError = resolveOnError({
      onError: () => {
        throw new Error('user bug');
      },
    });
    expect(() => onError(new HomeostatError('X', 'x'))).not.toThrow();
  });

  it('resolveOnError prefers deps.onError', () => {
    const seen: string[] = [];
    resolveOnError({ onError: (e) => seen.push(e.code) })(new HomeostatError('Y', 'y'));
    expect(seen).toEqual(['Y']);
  });
});
