/**
 * `pnpm --filter @homeostat-example/alertmanager-receiver start [--serve]`: runs the script and
 * exits; with `--serve` the receiver stays up so you can point Alertmanager (or curl) at it.
 */
import { parseArgs } from 'node:util';
import { run } from './run.js';

const { values } = parseArgs({ options: { serve: { type: 'boolean', default: false } } });
const result = await run({ serve: values.serve });
if (values.serve) {
  console.log(`\nreceiver still up at ${result.receiver.url}/alerts (Ctrl-C to stop)`);
  const stop = (): void => {
    void result.receiver.close().then(() => result.cluster.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
