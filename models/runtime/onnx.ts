/** Session options shared by the models that run on onnxruntime-node's CPU provider. */
import type * as Ort from 'onnxruntime-node';

/** CPU only, one inter-op thread, full graph optimisation, `intraOpThreads` threads inside an operator. */
export function cpuSessionOptions(intraOpThreads = 1): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // With more threads, idle ones would spin-wait for work, burning CPU other requests need.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}
