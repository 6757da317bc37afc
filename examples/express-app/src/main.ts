/**
 * `pnpm --filter @homeostat-example/express-app start [--serve]`: runs the example and exits;
 * with `--serve` the service stays up (Ctrl-C to stop) so you can curl it.
 */
import { parseArgs } from 'node:util';
import { METRICS_TOKEN, run } from './app.js';

const { values } = parseArgs({ options: { serve: { type: 'boolean', default: false } } });
const result = await run({ serve: values.serve });
if (values.serve) {
  console.log(`\nserving on ${result.url} — try:`);
  console.log(`  curl ${result.url}/users/1`);
  console.log(`  curl -H 'authorization: Bearer ${METRICS_TOKEN}' ${result.url}/metrics`);
  console.log('Ctrl-C to stop.');
  process.once('SIGINT', () => void result.close());
  process.once('SIGTERM', () => void result.close());
}
