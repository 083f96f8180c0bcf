import { natsServerOptions } from './connection';

describe('natsServerOptions', () => {
  it('moves credentials out of the URL, where nats.js would ignore them', () => {
    expect(natsServerOptions('nats://worker:s%40cret@nats:4222')).toEqual({ servers: ['nats://nats:4222'], user: 'worker', pass: 's@cret' });
  });
  it('keeps plain and clustered URLs as they are', () => {
    expect(natsServerOptions('nats://a:4222, nats://b:4222')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'] });
  });
});
