import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsDateString, IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class BudgetDto {
  @IsNumber() @Min(0) @Max(1e9) tokens: number;
  @IsNumber() @Min(0) @Max(1e6) usd: number;
  @IsNumber() @Min(0) @Max(1e6) toolMinutes: number;
  @IsNumber() @Min(0) @Max(1e6) wallclockMinutes: number;
}

export class PartialBudgetDto {
  @IsOptional() @IsNumber() @Min(0) @Max(1e9) tokens?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1e6) usd?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1e6) toolMinutes?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1e6) wallclockMinutes?: number;
}

export class SubmitRunDto {
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20000) idea: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true }) targetUsers?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(1000, { each: true }) constraints?: string[];
  @IsOptional() @ValidateNested() @Type(() => BudgetDto) budget?: BudgetDto;
  @IsOptional() @Matches(/^[a-z0-9-]{1,64}$/, { message: 'configSet must be lower-case letters, digits and dashes' }) configSet?: string;
}

export class ReasonDto {
  @IsOptional() @IsString() @MaxLength(1000) reason?: string;
}

export class ExtendBudgetDto {
  @ValidateNested() @Type(() => PartialBudgetDto) add: PartialBudgetDto;
}

export class WaiverDto {
  @Matches(/^[a-z][a-z0-9-]{0,63}$/) phase: string;
  @IsString() @IsNotEmpty() @MaxLength(100) guard: string;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
  @IsDateString() expiresAt: string;
}

export class RevokeWaiverDto {
  @Matches(/^[a-z][a-z0-9-]{0,63}$/) phase: string;
  @IsString() @IsNotEmpty() @MaxLength(100) guard: string;
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
}

export class ListRunsQuery {
  @IsOptional() @Type(() => Number) @IsNumber() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsIn(['pending', 'running', 'paused', 'blocked', 'completed', 'failed', 'cancelled']) status?: string;
  @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

export const DOSSIER_FORMATS = ['json', 'html', 'pdf'] as const;
