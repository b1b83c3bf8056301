export { GraphSystem } from './graph-system.ts';
export { compileGraphOptions, GRAPH_MAILBOX_BUDGET, GRAPH_MAILBOX_CONCURRENCY, type GraphOptions, type CompiledGraphOptions } from './graph-options.ts';
