export * from './service-config';
export * from './tokens';
export * from './nats.provider';
export * from './health.controller';
export * from './event-publisher';
export * from './service-kit.module';
export * from './bootstrap';
export * from './public.decorator';
