export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const NATS = Symbol('NATS');
export const LOGGER = Symbol('LOGGER');
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** A dependency the service needs before it can do useful work (NATS, Postgres...). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}
