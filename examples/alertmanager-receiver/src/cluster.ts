/**
 * A tiny simulated Kubernetes cluster, so the runbooks have something real to change: pods that
 * can crash-loop and be deleted (and come back ready a moment later), and deployments with a
 * replica count. The actions the runbooks use are defined here on top of it.
 */
import { z } from 'zod';
import { defineAction, scaleAction, type Action } from '@homeostat/runbooks';

/** One pod of the simulated cluster. */
export interface Pod {
  phase: 'Running' | 'CrashLoopBackOff' | 'ContainerCreating';
  restarts: number;
}

/** The simulated cluster. */
export interface Cluster {
  /** Pods by `namespace/name`. */
  readonly pods: Map<string, Pod>;
  /** Deployment replicas by `namespace/name`. */
  readonly deployments: Map<string, number>;
  /** Every change made to the cluster, in order. */
  readonly changes: string[];
  /** What the pod's controller does after a delete: a new pod, ready after `recreateMs`. */
  recreate(key: string): void;
  /** Cancels pending timers. */
  close(): void;
}

/** Creates the cluster with a crash-looping checkout pod and a 3-replica search deployment. */
export function createCluster(options: { recreateMs?: number } = {}): Cluster {
  const timers = new Set<NodeJS.Timeout>();
  const recreateMs = options.recreateMs ?? 150;
  const cluster: Cluster = {
    pods: new Map([
      ['shop/checkout-7f9c', { phase: 'CrashLoopBackOff', restarts: 14 }],
      ['shop/search-5d2a', { phase: 'Running', restarts: 0 }],
    ]),
    deployments: new Map([
      ['shop/checkout', 2],
      ['shop/search', 3],
    ]),
    changes: [],
    recreate: (key) => {
      cluster.pods.set(key, { phase: 'ContainerCreating', restarts: 0 });
      const timer = setTimeout(() => {
        timers.delete(timer);
        const pod = cluster.pods.get(key);
        if (pod) pod.phase = 'Running';
      }, recreateMs);
      timers.add(timer);
    },
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
  return cluster;
}

const podParams = z.object({ namespace: z.string().min(1), pod: z.string().min(1) });

/** The actions the runbooks in `config/runbooks.yaml` use, bound to `cluster`. */
export function clusterActions(cluster: Cluster): Action[] {
  const deletePod = defineAction({
    name: 'delete-pod',
    description: 'Deletes a pod; its controller recreates it',
    params: podParams,
    run: ({ namespace, pod }) => {
      const key = `${namespace}/${pod}`;
      const before = cluster.pods.get(key);
      if (!before) throw new Error(`pod ${key} not found`);
      cluster.pods.delete(key);
      cluster.changes.push(`deleted pod ${key} (was ${before.phase}, ${before.restarts} restarts)`);
      cluster.recreate(key);
      return { detail: `deleted ${key}; its replacement is being created` };
    },
  });
  const podReady = defineAction({
    name: 'pod-ready',
    description: 'Passes when the pod is Running',
    readOnly: true,
    params: podParams,
    run: ({ namespace, pod }) => {
      const p = cluster.pods.get(`${namespace}/${pod}`);
      return {
        ok: p?.phase === 'Running',
        detail: `${namespace}/${pod} is ${p?.phase ?? 'missing'}`,
      };
    },
  });
  const scale = scaleAction(
    {
      getReplicas: (target) => {
        const n = cluster.deployments.get(target);
        if (n === undefined) throw new Error(`deployment ${target} not found`);
        return n;
      },
      setReplicas: (target, replicas) => {
        cluster.changes.push(
          `scaled ${target} from ${cluster.deployments.get(target) ?? '?'} to ${replicas} replicas`,
        );
        cluster.deployments.set(target, replicas);
      },
    },
    { minReplicas: 1, maxReplicas: 20 },
  );
  return [deletePod, podReady, scale];
}
