/**
 * `pnpm --filter @homeostat-example/fastify-app start [--serve]`: runs the example and exits;
 * with `--serve` both servers stay up (Ctrl-C to stop).
 */
import { parseArgs } from 'node:util';
import { run } from './app.js';

const { values } = parseArgs({ options: { serve: { type: 'boolean', default: false } } });
const result = await run({ serve: values.serve });
if (values.serve) {
  console.log(`\nserving; try: curl ${result.checkoutUrl}/carts/7/checkout`);
  console.log(`              curl ${result.checkoutUrl}/metrics`);
  console.log('Ctrl-C to stop.');
  process.once('SIGINT', () => void result.close());
  process.once('SIGTERM', () => void result.close());
}
