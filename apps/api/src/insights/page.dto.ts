import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { InvalidCursorError } from '@ideamine/persistence';
import { BadRequestException } from '@nestjs/common';

/** ?limit=&cursor= of a keyset-paginated list; pass back the nextCursor of the previous page. */
export class PageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

/** Event lists are paginated by stream sequence; `after` is the older name of `cursor`. */
export class EventPageQuery extends PageQuery {
  @IsOptional() @Matches(/^\d{1,15}$/, { message: 'after must be a stream sequence (digits)' }) after?: string;
}

/** A cursor the API did not issue is the caller's mistake (400), not ours. */
export async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new BadRequestException(err.message);
    throw err;
  }
}
