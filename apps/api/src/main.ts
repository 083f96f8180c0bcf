import { json } from 'express';
import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runService } from '@ideamine/service-kit';
import { createLogger } from '@ideamine/telemetry';
import { ApiModule } from './api.module';
import { ApiErrorFilter, bodyParserErrorHandler } from './errors/error.filter';
import { validationError } from './errors/validation';
import { mountOpenApi } from './openapi/openapi';
import { mountDashboard, securityHeaders } from './dashboard/static';

runService({
  service: 'api',
  module: ApiModule,
  configure: (nest) => {
    const app = nest as NestExpressApplication;
    app.use(securityHeaders);
    // Bodies over 64 KiB get 413 before any handler runs, in the one error shape.
    app.use(json({ limit: process.env.IM_MAX_BODY ?? '64kb' }));
    app.use(bodyParserErrorHandler);
    // Unknown fields are refused (400), not silently dropped; every reason is listed in details.
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false, exceptionFactory: validationError }));
    app.useGlobalFilters(new ApiErrorFilter(createLogger('api')));
    mountOpenApi(app);
    mountDashboard(app);
  },
});
