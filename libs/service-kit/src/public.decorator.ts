import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'im:public';
/** Marks a route as reachable without an API key (health checks, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
