import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// One root config; every package, benchmark and example with tests is a project.
// `@homeostat/source` makes workspace packages resolve to their TypeScript sources, so tests never
// need a build first.
const packages = [
  'core',
  'detectors',
  'predictors',
  'decision-engine',
  'runbooks',
  'circuit-breaker',
  'knowledge-graph',
  'sidecar',
];

export default defineConfig({
  ssr: { resolve: { conditions: ['@homeostat/source'] } },
  resolve: { conditions: ['@homeostat/source'] },
  test: {
    // Property tests use a fixed seed under CI (see scripts/vitest-setup.ts).
    setupFiles: [resolve(import.meta.dirname, 'scripts/vitest-setup.ts')],
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: `packages/${name}`,
          include: ['src/**/*.test.ts'],
          typecheck: {
            enabled: true,
            include: ['src/**/*.test-d.ts'],
            tsconfig: resolve(import.meta.dirname, 'packages', name, 'tsconfig.json'),
          },
        },
      })),
      {
        extends: true as const,
        test: { name: 'benchmarks', include: ['benchmarks/*/src/**/*.test.ts'] },
      },
      {
        extends: true as const,
        test: { name: 'scripts', include: ['scripts/**/*.test.ts'], testTimeout: 60_000 },
      },
      {
        extends: true as const,
        test: { name: 'examples', include: ['examples/*/src/**/*.test.ts'], testTimeout: 120_000 },
      },
    ],
  },
});
