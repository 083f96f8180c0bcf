import { json } from 'express';
import { ValidationPipe } from '@nestjs/common';
import { runService } from '@ideamine/service-kit';
import { ApiModule } from './api.module';

runService({
  service: 'api',
  module: ApiModule,
  configure: (app) => {
    // Bodies over 64 KiB get 413 before any handler runs; unknown fields get 400.
    app.use(json({ limit: process.env.IM_MAX_BODY ?? '64kb' }));
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }));
  },
});
