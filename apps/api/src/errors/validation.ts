import type { ValidationError } from 'class-validator';
import { ApiError } from './api-error';

export interface FieldProblem { field: string; reasons: string[] }

/** Flattens class-validator's tree into one entry per field, with a dotted path for nested ones. */
export function fieldProblems(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, reasons: Object.values(e.constraints) }] : [];
    return [...own, ...fieldProblems(e.children ?? [], field)];
  });
}

export function validationError(errors: ValidationError[]): ApiError {
  const details = fieldProblems(errors);
  return new ApiError('IM_VALIDATION', details.flatMap((d) => d.reasons).join('; ') || 'invalid request', details);
}
