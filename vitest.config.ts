import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Two projects: `unit` needs nothing running (`vitest run --project unit`); `integration` talks
 * to a real Kafka broker and schema registry, which its globalSetup provides (see
 * test/setup/integration-stack.ts). `npm test` runs both.
 */
const needsServices = ['test/integration/**', 'test/e2e/**']

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // kafkajs's read_committed fix must be in place before anything loads kafkajs.
    setupFiles: ['test/setup/kafkajs-fix.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...needsServices],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: needsServices.map((dir) => `${dir}/*.test.ts`),
          globalSetup: ['test/setup/integration-stack.ts'],
          // a first group join or InitProducerId on a cold broker takes a few seconds
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
