import { StreamConfig } from 'nats';
import { diffStreamConfig, durationToNanos, toStreamConfig } from './provisioning';
import { ProvisioningError } from './errors';

describe('provisioning config', () => {
  it('turns durations into nanoseconds and refuses nonsense', () => {
    expect(durationToNanos('2m')).toBe(120e9);
    expect(durationToNanos('1h')).toBe(3600e9);
    expect(durationToNanos(0)).toBe(0);
    expect(() => durationToNanos('soon')).toThrow(ProvisioningError);
  });

  it('compares only what the spec states, ignoring subject order', () => {
    const wanted = toStreamConfig({ name: 'S', subjects: ['b.>', 'a.>'], deny_delete: true, duplicate_window: '2m' });
    const live = { ...wanted, subjects: ['a.>', 'b.>'], max_consumers: -1 } as unknown as StreamConfig;
    expect(diffStreamConfig(wanted, live)).toEqual([]);
    expect(diffStreamConfig(wanted, { ...live, deny_delete: false })).toEqual(['deny_delete: live false != wanted true']);
  });
});
