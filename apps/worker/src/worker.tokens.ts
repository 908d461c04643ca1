/** Injection token of the worker's validated configuration. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
