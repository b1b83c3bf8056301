export { ERRORS, type ErrorCode } from './catalogue.ts';
export { WritError, isWritError, describeForCli, toProblem, type ProblemDetails, type WritErrorOptions } from './writ-error.ts';
