/** `pnpm --filter @homeostat-example/custom-pipeline start`: runs the pipeline once and exits. */
import { run } from './pipeline.js';

await run();
