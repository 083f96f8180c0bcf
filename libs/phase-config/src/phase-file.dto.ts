import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min,
  ValidateNested, ValidateBy, ValidationOptions,
} from 'class-validator';

const PARALLELISM_WORDS = ['sequential', 'parallel', 'iterative'];

function IsParallelism(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isParallelism',
      validator: {
        validate: (v: unknown) => PARALLELISM_WORDS.includes(v as string) || (Number.isInteger(v) && (v as number) >= 1),
        defaultMessage: () => `parallelism must be one of ${PARALLELISM_WORDS.join(', ')} or a whole number >= 1`,
      },
    },
    options,
  );
}

export class BudgetDto {
  @IsNumber() @Min(0) tokens: number;
  @IsNumber() @Min(0) usd: number;
  @IsNumber() @Min(0) toolMinutes: number;
  @IsNumber() @Min(0) wallclockMinutes: number;
}

export class GuardDto {
  @IsIn(['coverage', 'grounding', 'contradictions', 'schema', 'security', 'threshold']) type: string;
  @IsOptional() @IsNumber() min?: number;
  @IsOptional() @IsNumber() max?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) threshold?: number;
  @IsOptional() @IsString() field?: string;
}

export class GateDto {
  @IsNumber() @Min(0) @Max(1) passThreshold: number;
  @IsBoolean() autoFix: boolean;
  @IsInt() @Min(1) @Max(20) maxAttempts: number;
}

/** One file of config/phases/*.yaml. Unknown keys are rejected (whitelist + forbidNonWhitelisted). */
export class PhaseFileDto {
  @Matches(/^[a-z][a-z0-9-]{0,63}$/, { message: 'phase must be lower-case letters, digits and dashes' }) phase: string;
  @IsArray() @ArrayUnique() @IsString({ each: true }) dependsOn: string[];
  @IsParallelism() parallelism: string | number;
  @IsOptional() @IsInt() @Min(1) @Max(50) iterations?: number;
  @IsOptional() @IsInt() @Min(1) @Max(32) shards?: number;
  @IsIn(['merge', 'concat', 'vote', 'custom']) aggregation: string;
  @IsArray() @ArrayMinSize(1) @IsString({ each: true }) @Matches(/^[A-Za-z][A-Za-z0-9]{0,79}$/, { each: true, message: 'each agent must be a class-like name (letters and digits)' }) agents: string[];
  @ValidateNested() @Type(() => BudgetDto) budgets: BudgetDto;
  @IsArray() @ValidateNested({ each: true }) @Type(() => GuardDto) guards: GuardDto[];
  @ValidateNested() @Type(() => GateDto) gate: GateDto;
  @IsOptional() @IsNumber() @Min(0) estimatedMinutes?: number;
}
