/** `pnpm --filter @homeostat-example/predictive-autoscaler start`: runs both simulations and exits. */
import { run } from './run.js';

run();
