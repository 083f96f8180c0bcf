import Ajv from 'ajv';
import { ERROR_CLASS_NAMES, ERROR_CLASSES, ErrorClass, isErrorClass, upcastErrorClass } from './error-class';
import { EVENT_CATALOG } from './events/catalog';

describe('ErrorClass', () => {
  it('is one union with defaults for every member, used by task.failed', () => {
    expect([...ERROR_CLASS_NAMES].sort()).toEqual(Object.keys(ERROR_CLASSES).sort());
    expect(ERROR_CLASS_NAMES).toEqual(['transient', 'rate_limit', 'timeout', 'schema_invalid', 'tool', 'hallucination', 'auth', 'budget', 'context_overflow', 'cancelled', 'fatal']);
    expect(EVENT_CATALOG['task.failed'].payload.properties.errorClass).toBe(ErrorClass);
  });

  it('validates the current names and refuses the old ones', () => {
    const v = new Ajv().compile(ErrorClass);
    for (const n of ERROR_CLASS_NAMES) expect(v(n)).toBe(true);
    expect(v('rate-limit')).toBe(false);
    expect(v('invalid-output')).toBe(false);
  });

  it('maps the names of events written before the rename', () => {
    expect(upcastErrorClass('rate-limit')).toBe('rate_limit');
    expect(upcastErrorClass('invalid-output')).toBe('schema_invalid');
    expect(upcastErrorClass('timeout')).toBe('timeout');
    expect(upcastErrorClass('nonsense')).toBeUndefined();
    expect(isErrorClass('toString')).toBe(false);
  });

  it('retries what another attempt can fix and not what it cannot', () => {
    const retryable = ERROR_CLASS_NAMES.filter((c) => ERROR_CLASSES[c].retryable);
    expect(retryable).toEqual(['transient', 'rate_limit', 'timeout', 'schema_invalid', 'tool', 'hallucination']);
    expect(ERROR_CLASSES.context_overflow.remedy).toBe('chunk');
    expect(ERROR_CLASSES.budget.remedy).toBe('pause-run');
  });
});
