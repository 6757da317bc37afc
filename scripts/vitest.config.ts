import { defineConfig } from 'vitest/config';

// Tests of the repository scripts: `pnpm vitest run --config scripts/vitest.config.ts`.
export default defineConfig({
  test: { root: import.meta.dirname, include: ['**/*.test.ts'], testTimeout: 60_000 },
});
