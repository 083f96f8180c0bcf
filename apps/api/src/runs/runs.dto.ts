import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsDateString, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { RUN_STATUSES } from '../read/queries';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const PHASE = /^[a-z][a-z0-9-]{0,63}$/;

export class BudgetDto {
  @ApiProperty({ minimum: 0, maximum: 1e9 }) @IsNumber() @Min(0) @Max(1e9) tokens: number;
  @ApiProperty({ minimum: 0, maximum: 1e6 }) @IsNumber() @Min(0) @Max(1e6) usd: number;
  @ApiProperty({ minimum: 0, maximum: 1e6 }) @IsNumber() @Min(0) @Max(1e6) toolMinutes: number;
  @ApiProperty({ minimum: 0, maximum: 1e6 }) @IsNumber() @Min(0) @Max(1e6) wallclockMinutes: number;
}

export class PartialBudgetDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 1e9 }) @IsOptional() @IsNumber() @Min(0) @Max(1e9) tokens?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1e6 }) @IsOptional() @IsNumber() @Min(0) @Max(1e6) usd?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1e6 }) @IsOptional() @IsNumber() @Min(0) @Max(1e6) toolMinutes?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1e6 }) @IsOptional() @IsNumber() @Min(0) @Max(1e6) wallclockMinutes?: number;
}

export class SubmitRunDto {
  @ApiProperty({ maxLength: 20000, example: 'A booking page for a small yoga studio with waitlists' })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20000) idea: string;
  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true }) targetUsers?: string[];
  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(1000, { each: true }) constraints?: string[];
  @ApiPropertyOptional({ type: BudgetDto }) @IsOptional() @ValidateNested() @Type(() => BudgetDto) budget?: BudgetDto;
  @ApiPropertyOptional({ pattern: '^[a-z0-9-]{1,64}$', description: 'a named phase configuration set (config/phases-<set>)' })
  @IsOptional() @Matches(/^[a-z0-9-]{1,64}$/, { message: 'configSet must be lower-case letters, digits and dashes' }) configSet?: string;
}

export class ReasonDto {
  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000) reason?: string;
}

export class ExtendBudgetDto {
  @ApiProperty({ type: PartialBudgetDto }) @ValidateNested() @Type(() => PartialBudgetDto) add: PartialBudgetDto;
}

export class WaiverDto {
  @ApiProperty({ pattern: PHASE.source }) @Matches(PHASE, { message: 'phase must be a phase name (lower-case letters, digits, dashes)' }) phase: string;
  @ApiProperty({ maxLength: 100, description: 'the guard to waive (its type, e.g. coverage)' }) @IsString() @IsNotEmpty() @MaxLength(100) guard: string;
  @ApiProperty({ maxLength: 1000 }) @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  @ApiProperty({ format: 'date-time' }) @IsDateString() expiresAt: string;
}

export class RevokeWaiverDto {
  @ApiProperty({ pattern: PHASE.source }) @Matches(PHASE, { message: 'phase must be a phase name (lower-case letters, digits, dashes)' }) phase: string;
  @ApiProperty({ maxLength: 100 }) @IsString() @IsNotEmpty() @MaxLength(100) guard: string;
  @ApiProperty({ maxLength: 1000 }) @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
}

/** A retry re-runs the task within its phase's budget; POST /v1/runs/:id/budget raises that. */
export class RetryTaskDto {
  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000) reason?: string;
}

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'opaque cursor from the previous page (nextCursor)' }) @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

export class ListRunsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RUN_STATUSES }) @IsOptional() @IsIn(RUN_STATUSES as unknown as string[]) status?: (typeof RUN_STATUSES)[number];
  @ApiPropertyOptional({ maxLength: 200, description: 'text in the idea, target users, constraints or run id' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'created at or after' }) @IsOptional() @IsDateString() from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'created before' }) @IsOptional() @IsDateString() to?: string;
}

export class ListTasksQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: PHASE.source }) @IsOptional() @Matches(PHASE) phase?: string;
  @ApiPropertyOptional({ enum: ['scheduled', 'running', 'succeeded', 'failed', 'retrying', 'quarantined'] }) @IsOptional() @IsString() @MaxLength(32) status?: string;
}

export class ListEventsQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 0, description: 'only events after this stream sequence (instead of a cursor)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) after?: number;
  @ApiPropertyOptional({ description: 'comma-separated event types, e.g. gate.evaluated,gate.passed' })
  @IsOptional() @Matches(/^[a-z_.]+(,[a-z_.]+)*$/, { message: 'type must be comma-separated event types' }) type?: string;
}

export class DeadLetterQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'opaque cursor from the previous page (nextCursor)' }) @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

export const DOSSIER_FORMATS = ['json', 'html', 'pdf'] as const;
