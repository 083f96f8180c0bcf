import { parseArgs } from './args';
import { fmt, fmtRatio, formatBreakdown, formatTable } from './report';
import { labelConnection } from './scenario';

describe('formatTable', () => {
  it('left-aligns the first column, right-aligns the rest, with a rule under the header', () => {
    expect(formatTable(['name', 'n'], [['raw', 12345], ['pipeline', null]])).toBe(['name          n', '--------  -----', 'raw       12345', 'pipeline      -'].join('\n'));
  });

  it('refuses a row of the wrong width', () => {
    expect(() => formatTable(['a', 'b'], [['x']])).toThrow(/1 cells/);
  });
});

describe('number formats', () => {
  it('prints missing values as "-" and ratios with sensible precision', () => {
    expect(fmt(null)).toBe('-');
    expect(fmt(NaN)).toBe('-');
    expect(fmt(12.345, 2)).toBe('12.35');
    expect(fmt(12345.6)).toBe('12346');
    expect(fmtRatio(0.0283)).toBe('x0.028');
    expect(fmtRatio(0.31)).toBe('x0.31');
    expect(fmtRatio(57.2)).toBe('x57.2');
    expect(fmtRatio(306.4)).toBe('x306');
    expect(formatBreakdown({ a: 1, b: 3, c: 0.001 }, 1, 0.01)).toBe('b 3.0, a 1.0, other 0.0');
  });
});

describe('parseArgs', () => {
  const known = { tasks: 'number', only: 'string', 'keep-dir': 'boolean', 'raw-after': 'boolean' } as const;

  it('reads --k v, --k=v and flags', () => {
    expect(parseArgs(['--tasks', '500', '--only=a,b', '--keep-dir', '--raw-after=false'], known)).toEqual({ tasks: 500, only: 'a,b', 'keep-dir': true, 'raw-after': false });
  });

  it('rejects unknown options and bad numbers', () => {
    expect(() => parseArgs(['--taks', '5'], known)).toThrow(/unknown option --taks/);
    expect(() => parseArgs(['--tasks', 'many'], known)).toThrow(/non-negative number/);
    expect(() => parseArgs(['--tasks'], known)).toThrow(/needs a value/);
  });
});

describe('labelConnection', () => {
  it('names a connection after the longest process name it contains', () => {
    const label = labelConnection(['worker', 'ledger-projector', 'bench-driver']);
    expect(label('ideamine-ledger-projector-ledger-projector-0')).toBe('ledger-projector');
    expect(label('ideamine-worker-worker-1')).toBe('worker');
    expect(label('someone-else')).toBe('someone-else');
  });
});
